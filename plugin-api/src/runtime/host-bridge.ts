import type { CapabilityOp, CapabilityOps, CapabilityResponse } from '../abi/abi.js';

/** Captured when the bundle is evaluated, before plugin handlers could replace them. */
const { parse: parseJson, stringify: stringifyJson } = JSON;

/** What the sandbox prelude provides: functions that send capability requests to the host. */
interface HostBridge {
  /** `callId` ties the request to its call when a plugin runs several calls at once. */
  cap(requestJson: string, callId?: string): Promise<string>;
  /**
   * Sends a request that needs no answer (emit, log) without waiting for one: undefined when it went so, else
   * the reply's promise (the sandbox holds back past a bound of unanswered sends). Older sandboxes lack it.
   */
  send?(requestJson: string, callId?: string): Promise<string> | undefined;
}

/** A capability error as a plugin sees it: code and message from the host. */
export class CapabilityError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CapabilityError';
    this.code = code;
  }
}

function bridge(): HostBridge {
  const host = (globalThis as { __roku_host?: HostBridge }).__roku_host;
  if (host === undefined)
    throw new CapabilityError('ROKU_CAPABILITY_UNAVAILABLE', 'not running inside a Roku sandbox');
  return host;
}

/**
 * Sends a request whose result is nothing (emit, log) one-way where the sandbox can: it resolves once sent,
 * and a failure the host finds later fails the call instead. Otherwise it waits for the reply like
 * requestCapability.
 */
export async function sendCapability<K extends 'emit' | 'log'>(
  op: K,
  args: CapabilityOps[K]['args'],
  callId?: string,
): Promise<void> {
  const host = bridge();
  const json = stringifyJson({ op, args });
  const pending = host.send === undefined ? host.cap(json, callId) : host.send(json, callId);
  if (pending === undefined) return;
  const reply = parseJson(await pending) as CapabilityResponse<K>;
  if (!reply.ok) throw new CapabilityError(reply.error.code, reply.error.message);
}

/** Sends one capability request and returns its result, or throws the host's error. */
export async function requestCapability<K extends CapabilityOp>(
  op: K,
  args: CapabilityOps[K]['args'],
  callId?: string,
): Promise<CapabilityOps[K]['result']> {
  const reply = parseJson(await bridge().cap(stringifyJson({ op, args }), callId)) as CapabilityResponse<K>;
  if (!reply.ok) throw new CapabilityError(reply.error.code, reply.error.message);
  return reply.value;
}
