import { RokuError } from '@roku/schemas';
import type { ClassifiedFailure } from './classify.js';
import { explain } from './classify.js';
import type { ModelEntry } from './types.js';
import type { Checked } from './validate.js';

const MAX_QUOTED_MESSAGE = 500;

export function clip(text: string): string {
  return text.length > MAX_QUOTED_MESSAGE ? `${text.slice(0, MAX_QUOTED_MESSAGE - 1)}…` : text;
}

export function ids(entry: ModelEntry): { pluginId: string; provider: string; modelId: string } {
  return { pluginId: entry.pluginId, provider: entry.provider, modelId: entry.modelId };
}

export function badOutput(
  entry: ModelEntry,
  where: string,
  problem: Checked<unknown> & { ok: false },
): RokuError {
  return new RokuError(
    'ROKU_PROVIDER_BAD_OUTPUT',
    `${entry.pluginId} (provider ${entry.provider}, model ${entry.modelId}): ${where} ${problem.path === '' ? '(root)' : problem.path} ${problem.message}`,
    { details: { ...ids(entry), where, path: problem.path } },
  );
}

/** A provider call that failed for good (retries used up, not retryable, or the breaker opened). */
export function failedError(
  entry: ModelEntry,
  failure: ClassifiedFailure,
  attempts: number,
  extra: { partialOutput: boolean; breakerOpen: boolean; cause: unknown },
): RokuError {
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
}

/** The conversation does not fit the model: the loop compacts and tries once more. */
export function contextWindowError(
  entry: ModelEntry,
  failure: ClassifiedFailure,
  attempts: number,
  cause: unknown,
): RokuError {
  return new RokuError(
    'ROKU_CONTEXT_WINDOW_EXCEEDED',
    `${entry.ref}: the conversation does not fit the model's context window (${entry.contextWindow} tokens): ${clip(failure.message)}`,
    {
      details: {
        ...ids(entry),
        contextWindow: entry.contextWindow,
        providerCode: failure.code,
        attempts,
      },
      cause,
    },
  );
}

/** When a paused provider is tried again. */
export function pausedFor(retryAt: number | null, now: number): string {
  return retryAt === null
    ? 'it is being tested with one request; try again shortly'
    : `it is tried again in ${Math.max(1, Math.ceil((retryAt - now) / 1000))} s`;
}

/** The provider's breaker is open (or testing with one request): no attempt was made. */
export function unavailableError(entry: ModelEntry, retryAt: number | null, now: number): RokuError {
  return new RokuError(
    'ROKU_PROVIDER_UNAVAILABLE',
    `${entry.ref}: provider ${entry.provider} (${entry.pluginId}) is paused after repeated failures; ${pausedFor(retryAt, now)}`,
    {
      details: {
        ...ids(entry),
        retryAt,
        retryInMs: retryAt === null ? null : Math.max(0, retryAt - now),
      },
    },
  );
}
