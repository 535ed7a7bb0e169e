import type { ChatRequest, ChatResponse, ChatStreamEvent, RokuError } from '@roku/schemas';
import type { ClassifiedFailure } from './classify.js';
import { classifyFailure } from './classify.js';
import { badOutput } from './errors.js';
import { abortReason } from './policy.js';
import type { ModelEntry, ProviderBinding, ProviderCallOptions } from './types.js';
import { createStreamValidator, isContentBearing, validateChatResponse } from './validate.js';

/** How one attempt ended. */
export type Attempt =
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
 * One attempt of one provider: streamed events are checked before the caller sees them (an event after the
 * attempt ended is dropped), the answer is checked, and a failure is classified for retries and the breaker.
 * `timeoutMs` (0: none) bounds the whole attempt.
 */
export async function runAttempt(
  entry: ModelEntry,
  binding: ProviderBinding,
  request: ChatRequest,
  callerSignal: AbortSignal | undefined,
  onDelta: ((event: ChatStreamEvent) => void) | undefined,
  timeoutMs: number,
  pass: Pick<ProviderCallOptions, 'session' | 'traceId'> = {},
): Promise<Attempt> {
  const controller = new AbortController();
  const signal =
    callerSignal === undefined ? controller.signal : AbortSignal.any([controller.signal, callerSignal]);
  let timedOut = false as boolean;
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new DOMException(`no response within ${timeoutMs} ms`, 'TimeoutError'));
        }, timeoutMs)
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
      binding.chat({ ...request, model: entry.modelId }, { signal, onEvent, ...pass }),
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
          message: `no complete response within ${timeoutMs} ms`,
        }
      : classifyFailure(err);
    return { kind: 'failed', failure, contentForwarded, cause: err };
  } finally {
    open = false;
    clearTimeout(timer);
  }
}
