/**
 * Forwards capability requests from sandboxes to the host (`cap`) and resolves them on `cap-reply`. Both
 * directions are size-checked; failures resolve with a CapabilityResponse error, so a plugin always gets JSON.
 */
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { CapabilityMessage, CapabilityReplyMessage } from '../protocol.js';
import type { HostErrorCode } from '../../errors.js';

interface PendingRequest {
  readonly pluginKey: string;
  /** `<pluginKey> <callId>`: requests are counted per call. */
  readonly callKey: string;
  readonly bytes: number;
  readonly resolve: (responseJson: string) => void;
}

/**
 * Requests one call of a plugin may have waiting on the host at once, and the total size of all of one
 * plugin's. A plugin's own memory limit does not bound what the runner holds for it, so without these one
 * plugin could exhaust the shared runner. The count is per call so that a plugin running many calls at once
 * (a provider serving hundreds of sessions) is not refused for its own concurrency.
 */
export const MAX_PENDING_REQUESTS_PER_CALL = 256;
export const MAX_PENDING_BYTES_PER_PLUGIN = 16 * 1024 * 1024;

/** JSON of a failed CapabilityResponse. */
export function capabilityError(code: HostErrorCode, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

export class CapabilityClient {
  readonly #send: (msg: CapabilityMessage) => void;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #perPlugin = new Map<string, { count: number; bytes: number }>();
  readonly #perCall = new Map<string, number>();
  #nextId = 1;

  constructor(send: (msg: CapabilityMessage) => void) {
    this.#send = send;
  }

  /** Sends a request; resolves with the CapabilityResponse JSON (never rejects). */
  request(pluginKey: string, callId: number | undefined, requestJson: string): Promise<string> {
    const bytes = Buffer.byteLength(requestJson);
    if (bytes > MAX_CAPABILITY_MESSAGE_BYTES) {
      return Promise.resolve(
        capabilityError(
          'ROKU_CAPABILITY_LIMIT',
          `capability request exceeds ${MAX_CAPABILITY_MESSAGE_BYTES} bytes`,
        ),
      );
    }
    const usage = this.#perPlugin.get(pluginKey) ?? { count: 0, bytes: 0 };
    const callKey = `${pluginKey} ${callId ?? 'load'}`;
    const ofCall = this.#perCall.get(callKey) ?? 0;
    if (ofCall >= MAX_PENDING_REQUESTS_PER_CALL || usage.bytes + bytes > MAX_PENDING_BYTES_PER_PLUGIN) {
      return Promise.resolve(
        capabilityError(
          'ROKU_CAPABILITY_LIMIT',
          `too many capability requests in flight (${ofCall} of this call, ${usage.bytes} bytes of the plugin's; limits ${MAX_PENDING_REQUESTS_PER_CALL} and ${MAX_PENDING_BYTES_PER_PLUGIN})`,
        ),
      );
    }
    usage.count += 1;
    usage.bytes += bytes;
    this.#perPlugin.set(pluginKey, usage);
    this.#perCall.set(callKey, ofCall + 1);
    const capId = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(capId, { pluginKey, callKey, bytes, resolve });
      const msg: CapabilityMessage =
        callId === undefined
          ? { t: 'cap', capId, pluginKey, request: requestJson }
          : { t: 'cap', capId, pluginKey, callId, request: requestJson };
      try {
        this.#send(msg);
      } catch (e) {
        this.#forget(capId);
        resolve(capabilityError('ROKU_CAPABILITY_FAILED', `cannot reach the host: ${String(e)}`));
      }
    });
  }

  /** Handles a `cap-reply`; unknown ids (a plugin disposed meanwhile) are ignored. */
  reply(msg: CapabilityReplyMessage): void {
    const pending = this.#forget(msg.capId);
    if (pending === undefined) return;
    if (typeof msg.response !== 'string') {
      pending.resolve(capabilityError('ROKU_CAPABILITY_FAILED', 'the host replied without a response'));
    } else if (Buffer.byteLength(msg.response) > MAX_CAPABILITY_MESSAGE_BYTES) {
      pending.resolve(
        capabilityError(
          'ROKU_CAPABILITY_LIMIT',
          `capability response exceeds ${MAX_CAPABILITY_MESSAGE_BYTES} bytes`,
        ),
      );
    } else {
      pending.resolve(msg.response);
    }
  }

  #forget(capId: number): PendingRequest | undefined {
    const pending = this.#pending.get(capId);
    if (pending === undefined) return undefined;
    this.#pending.delete(capId);
    const usage = this.#perPlugin.get(pending.pluginKey);
    if (usage !== undefined) {
      usage.count -= 1;
      usage.bytes -= pending.bytes;
      if (usage.count <= 0) this.#perPlugin.delete(pending.pluginKey);
    }
    const ofCall = (this.#perCall.get(pending.callKey) ?? 1) - 1;
    if (ofCall <= 0) this.#perCall.delete(pending.callKey);
    else this.#perCall.set(pending.callKey, ofCall);
    return pending;
  }

  /** Forgets a plugin's pending requests (its sandbox is gone); late replies are then ignored. */
  dropPlugin(pluginKey: string): void {
    for (const [capId, pending] of this.#pending) {
      if (pending.pluginKey !== pluginKey) continue;
      this.#forget(capId);
      pending.resolve(capabilityError('ROKU_CAPABILITY_FAILED', 'the plugin sandbox was disposed'));
    }
  }
}
