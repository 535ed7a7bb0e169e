import { RokuError, dynamicErrorCode, isRokuError } from '@roku/schemas';
import type { RokuErrorCode } from '@roku/schemas';

export function interrupted(): RokuError {
  return new RokuError('ROKU_RUN_INTERRUPTED', 'the run was cancelled');
}

/** Resolves with the promise, or rejects with ROKU_RUN_INTERRUPTED as soon as the signal aborts. */
export async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) throw interrupted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(interrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

export function asRokuError(err: unknown, fallbackCode: RokuErrorCode = 'ROKU_RUN_FAILED'): RokuError {
  if (err instanceof RokuError) return err;
  if (isRokuError(err))
    return new RokuError(dynamicErrorCode(err.code), err.message, { details: err.details ?? {} });
  return new RokuError(fallbackCode, err instanceof Error ? err.message : String(err), { cause: err });
}
