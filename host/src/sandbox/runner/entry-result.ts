/**
 * Interpreting what comes back from the trusted entry in an isolate: a string tagged 'R' (the plugin's JSON)
 * or 'E' (a sandbox WireError produced by the entry), or an isolated-vm failure (timeout, OOM, disposal).
 */
import type ivm from 'isolated-vm';
import type { RunnerLimits, WireError } from '../protocol.js';
import { wireError } from './engine.js';

export type EntryResult =
  { readonly ok: true; readonly response: string } | { readonly ok: false; readonly error: WireError };

/** Codes the entry may report itself; anything else in an 'E' result is treated as bad output. */
const ENTRY_CODES = new Set([
  'ROKU_SANDBOX_BAD_OUTPUT',
  'ROKU_SANDBOX_OUTPUT_TOO_LARGE',
  'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
  'ROKU_SANDBOX_LOAD_FAILED',
]);
const MAX_ENTRY_ERROR_BYTES = 64 * 1024;

/** Decodes an entry result; re-checks the byte size in the runner (the isolate's check is not trusted). */
export function decodeEntryResult(raw: unknown, outputBytes: number): EntryResult {
  if (typeof raw !== 'string' || raw.length === 0) {
    return { ok: false, error: wireError('ROKU_SANDBOX_BAD_OUTPUT', 'the sandbox entry returned no string') };
  }
  const body = raw.slice(1);
  if (raw.startsWith('R')) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long result needs counting
    const bytes = body.length * 3 <= outputBytes ? 0 : Buffer.byteLength(body);
    if (bytes > outputBytes) {
      return {
        ok: false,
        error: wireError(
          'ROKU_SANDBOX_OUTPUT_TOO_LARGE',
          `the plugin returned ${bytes} bytes, more than its ${outputBytes} byte limit`,
          {
            limitBytes: outputBytes,
          },
        ),
      };
    }
    return { ok: true, response: body };
  }
  if (raw.startsWith('E') && body.length <= MAX_ENTRY_ERROR_BYTES) {
    try {
      const parsed = JSON.parse(body) as { code?: unknown; message?: unknown; details?: unknown } | null;
      if (
        parsed !== null &&
        typeof parsed.code === 'string' &&
        ENTRY_CODES.has(parsed.code) &&
        typeof parsed.message === 'string'
      ) {
        const details =
          typeof parsed.details === 'object' && parsed.details !== null
            ? (parsed.details as Record<string, unknown>)
            : undefined;
        return {
          ok: false,
          error:
            details === undefined
              ? { code: parsed.code, message: parsed.message }
              : { code: parsed.code, message: parsed.message, details },
        };
      }
    } catch {
      // fall through to the generic error
    }
  }
  return {
    ok: false,
    error: wireError('ROKU_SANDBOX_BAD_OUTPUT', 'the sandbox entry returned a malformed result'),
  };
}

/** A failure of an entry invocation; `fatal` failures leave the isolate unusable, so it must be disposed. */
export interface IsolateFailure {
  readonly error: WireError;
  readonly fatal: boolean;
}

/**
 * Classifies a rejection of `entry.apply` (or of running a script) by isolated-vm. The plugin controls the
 * text of its own errors (an unhandled rejection can carry any message), so the verdict rests on what the
 * runner observes itself: a disposed isolate is an OOM, and a timeout counts only when the call really used
 * its CPU budget. Anything else is the plugin's own failure.
 */
export function classifyIsolateFailure(
  e: unknown,
  isolate: ivm.Isolate,
  limits: RunnerLimits,
  cpuMs?: number,
  elapsedMs?: number,
): IsolateFailure {
  const message = e instanceof Error ? e.message : String(e);
  if (isolate.isDisposed) {
    return {
      fatal: true,
      error: wireError('ROKU_SANDBOX_OOM', `the plugin exceeded its ${limits.memoryMb} MB memory limit`, {
        limitMb: limits.memoryMb,
      }),
    };
  }
  // isolated-vm's timer counts wall time: on a crowded machine it fires before the CPU budget is used, and the
  // call has then run at least that long (a plugin's own error with that text, thrown sooner, has not)
  const usedBudget =
    cpuMs === undefined ||
    cpuMs >= limits.cpuMsPerCall * 0.8 ||
    (elapsedMs !== undefined && elapsedMs >= limits.cpuMsPerCall);
  if (message.includes('Script execution timed out') && usedBudget) {
    return {
      fatal: true,
      error: wireError('ROKU_SANDBOX_TIMEOUT', `the plugin exceeded ${limits.cpuMsPerCall} ms of CPU time`, {
        limit: 'cpu',
        limitMs: limits.cpuMsPerCall,
      }),
    };
  }
  // e.g. an unhandled rejection or a stack overflow escaping the entry: the isolate itself is fine
  return {
    fatal: false,
    error: wireError(
      'ROKU_PLUGIN_FAILED',
      `the plugin failed outside its handler: ${message.slice(0, 1000)}`,
      {
        pluginCode: 'PLUGIN_UNHANDLED',
      },
    ),
  };
}
