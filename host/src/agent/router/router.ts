import type { Attempt } from './attempt.js';
import { runAttempt } from './attempt.js';
import type { BreakerPolicy } from './breaker.js';
import { backoffDelay } from './classify.js';
import { contextWindowError, failedError, pausedFor, unavailableError } from './errors.js';
import { buildModelTable, resolveModelIn, selectIn } from './models.js';
import { abortReason, abortableSleep } from './policy.js';
import type { ModelEntry, ProviderRouter, ProviderRouterOptions, RouterChatOptions } from './types.js';

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

  const unavailable = (entry: ModelEntry): string | undefined => {
    if (breakerPolicy.threshold <= 0) return undefined;
    const state = board.state(entry.pluginId, entry.provider, now());
    if (state.status === 'open')
      return `the provider is paused after repeated failures (${pausedFor(state.retryAt, now())})`;
    if (state.status === 'half-open' && state.probeInFlight) {
      return 'the provider is being tested with one request after repeated failures';
    }
    return undefined;
  };

  const chat: ProviderRouter['chat'] = async (request, chatOptions: RouterChatOptions = {}) => {
    const entry = resolveModelIn(table, request.model);
    const slot = table.byRef.get(entry.ref);
    if (slot === undefined) throw new Error(`router: model table has no binding for ${entry.ref}`);
    const { signal, onDelta, onRetry, session, traceId } = chatOptions;
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
        throw unavailableError(entry, gate.retryAt, now());
      }
      attempts += 1;
      const startedAt = now();
      const result = await runAttempt(entry, slot.binding, request, signal, onDelta, policy.timeoutMs, {
        session,
        traceId,
      });
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
          board.fail(pluginId, provider, breakerPolicy, now(), false, startedAt);
          throw result.error;
        case 'failed':
          break;
      }
      const { failure, contentForwarded } = result;
      if (failure.kind === 'retry' || failure.kind === 'fail') {
        // An exhausted quota pauses the provider at once, so that the loop fails over to another one.
        board.fail(
          pluginId,
          provider,
          breakerPolicy,
          now(),
          failure.code === 'PROVIDER_QUOTA_EXCEEDED',
          startedAt,
        );
      } else {
        board.release(pluginId, provider, gate.probe);
      }
      if (failure.kind === 'context-window') throw contextWindowError(entry, failure, attempts, result.cause);
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
