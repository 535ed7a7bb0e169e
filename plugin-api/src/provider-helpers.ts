/**
 * Helpers a provider plugin's streaming code needs whatever API it speaks: Retry-After parsing, the mapping of
 * the host's ctx.fetch failures onto provider codes, and an emit window that does not wait per event.
 */
import type { PluginContext } from './context.js';
import { ProviderError } from './define.js';
import type { ProviderErrorCode } from './types.js';

/** Retry-After as milliseconds: `retry-after-ms`, delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms !== null && ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Host codes of ctx.fetch failures and what they mean to the router. */
const HOST_CODES: Readonly<Record<string, ProviderErrorCode>> = {
  // DNS, connect, reset, an upstream that stops answering: transient.
  ROKU_CAPABILITY_FAILED: 'PROVIDER_CONNECTION_FAILED',
  ROKU_CAPABILITY_RATE_LIMITED: 'PROVIDER_RATE_LIMIT',
  // A denied origin, a malformed request, a body over the cap: retrying cannot help.
  ROKU_CAPABILITY_DENIED: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_BAD_REQUEST: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_LIMIT: 'PROVIDER_FATAL',
  ROKU_CAPABILITY_QUOTA_EXCEEDED: 'PROVIDER_FATAL',
};

/** A Roku host error from ctx.fetch (a denied origin, a missing secret, a reset): with the host's own words. */
export function providerErrorFromCapability(err: unknown, label: string): ProviderError | undefined {
  let cause: unknown = err;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    const message = (cause as { message?: unknown }).message;
    if (typeof code === 'string' && code.startsWith('ROKU_CAPABILITY') && typeof message === 'string') {
      const mapped = /has no value for it/.test(message)
        ? 'PROVIDER_AUTH_FAILED'
        : (HOST_CODES[code] ?? 'PROVIDER_FATAL');
      return new ProviderError(mapped, `${label}: ${message}`);
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Clients one plugin keeps per fetch function; the oldest goes first. */
const MAX_CLIENTS = 8;
const clients = new WeakMap<object, Map<string, unknown>>();

/**
 * An SDK client made once and used again by the later calls of the same realm (the calls of one session share
 * it): building one (an `openai` or `@anthropic-ai/sdk` client) costs about a tenth of a millisecond, on every
 * call's way to its first token. `key` must name everything `make` builds the client from besides `ctx.fetch`,
 * which is part of the key itself: a context with another fetch gets a client of its own. `make` gets that
 * fetch and must not keep the context itself; requests pass their own `signal`.
 */
export function reusedClient<T>(
  ctx: Pick<PluginContext, 'fetch'>,
  key: string,
  make: (fetch: PluginContext['fetch']) => T,
): T {
  const { fetch } = ctx;
  let byKey = clients.get(fetch);
  if (byKey === undefined) {
    byKey = new Map();
    clients.set(fetch, byKey);
  }
  if (byKey.has(key)) return byKey.get(key) as T;
  const client = make(fetch);
  if (byKey.size >= MAX_CLIENTS) {
    const oldest = byKey.keys().next();
    if (oldest.done !== true) byKey.delete(oldest.value);
  }
  byKey.set(key, client);
  return client;
}

/** Events in flight at most; the sandbox allows 256 capability requests per call. */
const EVENT_WINDOW = 32;

/**
 * Streams events to the host without waiting for each to be acknowledged: the next chunk is read while the
 * previous delta is on its way (the channel keeps them in order). `flush` waits for all of them and rethrows
 * the first failure; call it before returning the answer.
 */
export class EventPipe {
  readonly #ctx: PluginContext;
  readonly #pending: Promise<void>[] = [];
  #failed = false;
  #error: unknown;

  constructor(ctx: PluginContext) {
    this.#ctx = ctx;
  }

  async send(event: unknown): Promise<void> {
    this.#pending.push(
      this.#ctx.emit(event).catch((err: unknown) => {
        if (!this.#failed) {
          this.#failed = true;
          this.#error = err;
        }
      }),
    );
    if (this.#pending.length >= EVENT_WINDOW) await this.#pending.shift();
  }

  async flush(): Promise<void> {
    await Promise.all(this.#pending.splice(0));
    if (this.#failed) throw this.#error;
  }
}
