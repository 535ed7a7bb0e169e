import { RokuError } from '@roku/schemas';
import type { ChatRequest, ChatResponse, ChatStreamEvent } from '@roku/schemas';
import type { BreakerPolicy } from './breaker.js';
import type { ClassifiedFailure } from './classify.js';
import { backoffDelay, classifyFailure, explain } from './classify.js';
import { buildModelTable, resolveModelIn, selectIn } from './models.js';
import { abortReason, abortableSleep } from './policy.js';
import type {
  ModelEntry,
  ProviderBinding,
  ProviderRouter,
  ProviderRouterOptions,
  RouterChatOptions,
} from './types.js';
import type { Checked } from './validate.js';
import { createStreamValidator, isContentBearing, validateChatResponse } from './validate.js';

/** How one attempt ended. */
type Attempt =
  | { readonly kind: 'ok'; readonly response: ChatResponse }
  /** The caller aborted: rethrow its reason, count nothing. */
  | { readonly kind: 'aborted'; readonly reason: unknown }
  /** The caller's onDelta threw: a host bug, rethrown as is. */
  | { readonly kind: 'host-error'; readonly error: unknown }
  | { readonly kind: 'bad-output'; readonly error: RokuError }
  | {
      readonly kind: 'failed';
      readonly failure: ClassifiedFailure;
      readonly contentForwarded: boolean;
      readonly cause: unknown;
    };

const MAX_QUOTED_MESSAGE = 500;

function clip(text: string): string {
  return text.length > MAX_QUOTED_MESSAGE ? `${text.slice(0, MAX_QUOTED_MESSAGE - 1)}…` : text;
}

function ids(entry: ModelEntry): { pluginId: string; provider: string; modelId: string } {
  return { pluginId: entry.pluginId, provider: entry.provider, modelId: entry.modelId };
}

function badOutput(entry: ModelEntry, where: string, problem: Checked<unknown> & { ok: false }): RokuError {
  return new RokuError(
    'ROKU_PROVIDER_BAD_OUTPUT',
    `${entry.pluginId} (provider ${entry.provider}, model ${entry.modelId}): ${where} ${problem.path === '' ? '(root)' : problem.path} ${problem.message}`,
    { details: { ...ids(entry), where, path: problem.path } },
  );
}

/** Resolves like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(abortReason(signal));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  });
}

/**
 * Creates the router over one plugin snapshot's providers. Pure: it records nothing globally; breaker state
 * lives in the board passed in.
 *
 * @example
 * const router = createProviderRouter({ providers, policy: routerPolicyFromConfig(config.agent), breakers });
 * const model = router.select({ estimatedPromptTokens: 1200, expectedOutputTokens: 4096 });
 * const { response } = await router.chat({ model: model.ref, messages }, { signal, onDelta });
 */
export function createProviderRouter(options: ProviderRouterOptions): ProviderRouter {
  const table = buildModelTable(options.providers);
  const { policy, breakers: board } = options;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const breakerPolicy: BreakerPolicy = {
    threshold: policy.breakerFailureThreshold,
    cooldownMs: policy.breakerCooldownMs,
  };

  const pausedFor = (retryAt: number | null): string =>
    retryAt === null
      ? 'it is being tested with one request; try again shortly'
      : `it is tried again in ${Math.max(1, Math.ceil((retryAt - now()) / 1000))} s`;

  const unavailable = (entry: ModelEntry): string | undefined => {
    if (breakerPolicy.threshold <= 0) return undefined;
    const state = board.state(entry.pluginId, entry.provider, now());
    if (state.status === 'open')
      return `the provider is paused after repeated failures (${pausedFor(state.retryAt)})`;
    if (state.status === 'half-open' && state.probeInFlight) {
      return 'the provider is being tested with one request after repeated failures';
    }
    return undefined;
  };

  const failedError = (
    entry: ModelEntry,
    failure: ClassifiedFailure,
    attempts: number,
    extra: { partialOutput: boolean; breakerOpen: boolean; cause: unknown },
  ): RokuError => {
    const notes = [
      extra.partialOutput ? 'the answer broke off after part of it was shown, so it was not retried' : '',
      extra.breakerOpen ? 'the provider is now paused after repeated failures' : '',
    ].filter((n) => n !== '');
    return new RokuError(
      'ROKU_PROVIDER_FAILED',
      `${entry.ref} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${explain(failure.code)} (${failure.code}): ${clip(failure.message)}${notes.length === 0 ? '' : `; ${notes.join('; ')}`}`,
      {
        details: {
          ...ids(entry),
          providerCode: failure.code,
          ...(failure.rawCode === failure.code ? {} : { pluginCode: failure.rawCode }),
          attempts,
          retryable: failure.kind === 'retry',
          partialOutput: extra.partialOutput,
          breakerOpen: extra.breakerOpen,
        },
        cause: extra.cause,
      },
    );
  };

  const runAttempt = async (
    entry: ModelEntry,
    binding: ProviderBinding,
    request: ChatRequest,
    callerSignal: AbortSignal | undefined,
    onDelta: ((event: ChatStreamEvent) => void) | undefined,
  ): Promise<Attempt> => {
    const controller = new AbortController();
    const signal =
      callerSignal === undefined ? controller.signal : AbortSignal.any([controller.signal, callerSignal]);
    let timedOut = false as boolean;
    const timer =
      policy.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new DOMException(`no response within ${policy.timeoutMs} ms`, 'TimeoutError'));
          }, policy.timeoutMs)
        : undefined;
    const check = createStreamValidator();
    // Set from the event callback; the assertion keeps narrowing from assuming it stays undefined.
    let stop = undefined as Attempt | undefined;
    let open = true;
    let contentForwarded = false;
    let eventIndex = 0;
    const onEvent = (raw: unknown): void => {
      // Events of an attempt that ended (or went wrong) are dropped: the user must never see them.
      if (!open || stop !== undefined || signal.aborted) return;
      const index = eventIndex;
      eventIndex += 1;
      const checked = check(raw);
      if (!checked.ok) {
        const error = badOutput(entry, `stream event ${index}`, checked);
        stop = { kind: 'bad-output', error };
        controller.abort(error);
        return;
      }
      if (isContentBearing(checked.value)) contentForwarded = true;
      try {
        onDelta?.(checked.value);
      } catch (err) {
        stop = { kind: 'host-error', error: err };
        controller.abort(err);
      }
    };
    try {
      // Through a promise so that a binding that throws synchronously is treated like one that rejects.
      const pending = Promise.resolve().then(() =>
        binding.chat({ ...request, model: entry.modelId }, { signal, onEvent }),
      );
      const raw = await untilAborted(pending, signal);
      if (stop !== undefined) return stop;
      const checked = validateChatResponse(raw);
      if (!checked.ok) return { kind: 'bad-output', error: badOutput(entry, 'response', checked) };
      return { kind: 'ok', response: checked.value };
    } catch (err) {
      if (stop !== undefined) return stop;
      if (callerSignal?.aborted === true) return { kind: 'aborted', reason: abortReason(callerSignal) };
      const failure: ClassifiedFailure = timedOut
        ? {
            kind: 'retry',
            code: 'PROVIDER_TIMEOUT',
            rawCode: 'PROVIDER_TIMEOUT',
            message: `no complete response within ${policy.timeoutMs} ms`,
          }
        : classifyFailure(err);
      return { kind: 'failed', failure, contentForwarded, cause: err };
    } finally {
      open = false;
      clearTimeout(timer);
    }
  };

  const chat: ProviderRouter['chat'] = async (request, chatOptions: RouterChatOptions = {}) => {
    const entry = resolveModelIn(table, request.model);
    const slot = table.byRef.get(entry.ref);
    if (slot === undefined) throw new Error(`router: model table has no binding for ${entry.ref}`);
    const { signal, onDelta, onRetry } = chatOptions;
    const { pluginId, provider, modelId } = entry;
    let attempts = 0;
    let last: (Attempt & { kind: 'failed' }) | undefined;
    for (let retry = 0; ; retry += 1) {
      if (signal?.aborted === true) throw abortReason(signal);
      const gate = board.acquire(pluginId, provider, breakerPolicy, now());
      if (!gate.ok) {
        if (last !== undefined) {
          throw failedError(entry, last.failure, attempts, {
            partialOutput: false,
            breakerOpen: true,
            cause: last.cause,
          });
        }
        throw new RokuError(
          'ROKU_PROVIDER_UNAVAILABLE',
          `${entry.ref}: provider ${provider} (${pluginId}) is paused after repeated failures; ${pausedFor(gate.retryAt)}`,
          {
            details: {
              ...ids(entry),
              retryAt: gate.retryAt,
              retryInMs: gate.retryAt === null ? null : Math.max(0, gate.retryAt - now()),
            },
          },
        );
      }
      attempts += 1;
      const result = await runAttempt(entry, slot.binding, request, signal, onDelta);
      switch (result.kind) {
        case 'ok':
          board.succeed(pluginId, provider);
          return { response: result.response, model: entry, attempts };
        case 'aborted':
          board.release(pluginId, provider, gate.probe);
          throw result.reason;
        case 'host-error':
          board.release(pluginId, provider, gate.probe);
          throw result.error;
        case 'bad-output':
          board.fail(pluginId, provider, breakerPolicy, now());
          throw result.error;
        case 'failed':
          break;
      }
      const { failure, contentForwarded } = result;
      if (failure.kind === 'retry' || failure.kind === 'fail') {
        board.fail(pluginId, provider, breakerPolicy, now());
      } else {
        board.release(pluginId, provider, gate.probe);
      }
      if (failure.kind === 'context-window') {
        throw new RokuError(
          'ROKU_CONTEXT_WINDOW_EXCEEDED',
          `${entry.ref}: the conversation does not fit the model's context window (${entry.contextWindow} tokens): ${clip(failure.message)}`,
          {
            details: {
              ...ids(entry),
              contextWindow: entry.contextWindow,
              providerCode: failure.code,
              attempts,
            },
            cause: result.cause,
          },
        );
      }
      const breakerOpen =
        breakerPolicy.threshold > 0 && board.state(pluginId, provider, now()).status === 'open';
      if (failure.kind !== 'retry' || contentForwarded || retry >= policy.maxRetries || breakerOpen) {
        throw failedError(entry, failure, attempts, {
          partialOutput: contentForwarded,
          breakerOpen,
          cause: result.cause,
        });
      }
      last = result;
      const delayMs = backoffDelay(retry, policy, random, failure.retryAfterMs);
      onRetry?.({ attempt: attempts, delayMs, code: failure.code, pluginId, provider, modelId });
      await sleep(delayMs, signal);
    }
  };

  return {
    warnings: table.warnings,
    models: () => table.entries,
    resolveModel: (ref) => resolveModelIn(table, ref),
    select: (request) => selectIn(table, request, unavailable),
    chat,
    breakerState: (pluginId, provider) => board.state(pluginId, provider, now()),
  };
}
