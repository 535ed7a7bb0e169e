import type { CapabilityOp, CapabilityOps, CapabilityResponse } from '../abi/abi.js';

/** Captured when the bundle is evaluated, before plugin handlers could replace them. */
const { parse: parseJson, stringify: stringifyJson } = JSON;

/** What the sandbox prelude provides: one function that sends a capability request to the host. */
interface HostBridge {
  /** `callId` ties the request to its call when a plugin runs several calls at once. */
  cap(requestJson: string, callId?: string): Promise<string>;
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
