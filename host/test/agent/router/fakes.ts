import { RokuError } from '@roku/schemas';
import type { ChatRequest, ChatResponse, ModelDescriptor } from '@roku/schemas';
import {
  createBreakerBoard,
  createProviderRouter,
  DEFAULT_ROUTER_POLICY,
} from '../../../src/agent/router/index.js';
import type {
  BreakerBoard,
  ProviderBinding,
  ProviderCallOptions,
  ProviderRouter,
  RouterPolicy,
} from '../../../src/agent/router/index.js';

/** What a provider plugin's thrown error looks like once the sandbox has wrapped it. */
export function pluginError(pluginCode: string, retryAfterMs?: number): RokuError {
  return new RokuError('ROKU_PLUGIN_FAILED', `upstream said ${pluginCode}`, {
    details: { pluginCode, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  });
}

export function reply(text: string, extra: Partial<ChatResponse> = {}): ChatResponse {
  return { message: { role: 'assistant', content: text }, finishReason: 'stop', ...extra };
}

/** One scripted step: a value to return, an error to throw, or a function doing either. */
export type Step =
  | { readonly value: unknown }
  | { readonly error: unknown }
  | ((request: ChatRequest, options: ProviderCallOptions) => Promise<unknown>);

/** A provider binding that plays its steps in order and repeats the last one when they run out. */
export function scripted(
  steps: readonly Step[],
  options: { pluginId?: string; provider?: string; models?: ModelDescriptor[] } = {},
): ProviderBinding & { calls: ChatRequest[]; signals: AbortSignal[] } {
  const calls: ChatRequest[] = [];
  const signals: AbortSignal[] = [];
  return {
    pluginId: options.pluginId ?? '@test/provider',
    provider: options.provider ?? 'fake',
    models: options.models ?? [{ id: 'model-a', contextWindow: 100_000 }],
    calls,
    signals,
    async chat(request, callOptions) {
      calls.push(request);
      signals.push(callOptions.signal);
      const step = steps[Math.min(calls.length, steps.length) - 1];
      if (step === undefined) throw new Error('no steps');
      if (typeof step === 'function') return step(request, callOptions);
      if ('error' in step) throw step.error;
      return Promise.resolve(step.value);
    },
  };
}

export interface Harness {
  readonly router: ProviderRouter;
  readonly board: BreakerBoard;
  readonly delays: number[];
  readonly clock: { now: number };
}

/** A router with a manual clock and a sleep that only records (and honours aborts). */
export function harness(
  providers: readonly ProviderBinding[],
  policy: Partial<RouterPolicy> = {},
  options: { random?: () => number; board?: BreakerBoard } = {},
): Harness {
  const delays: number[] = [];
  const clock = { now: 1_000_000 };
  const board = options.board ?? createBreakerBoard();
  const router = createProviderRouter({
    providers,
    policy: { ...DEFAULT_ROUTER_POLICY, timeoutMs: 0, ...policy },
    breakers: board,
    random: options.random ?? (() => 0.5),
    now: () => clock.now,
    sleep: (ms, signal) => {
      delays.push(ms);
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      return Promise.resolve();
    },
  });
  return { router, board, delays, clock };
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<RokuError> {
  try {
    await fn();
  } catch (err) {
    return err as RokuError;
  }
  throw new Error('expected a rejection');
}

export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
