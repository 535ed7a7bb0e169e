/**
 * The pieces every conformance suite is made of: a check is a named promise that either resolves or throws a
 * {@link ConformanceFailure} saying what is wrong and how to fix it. Suites are plain async functions (no test
 * runner), so `roku plugin test` runs them as well as a vitest file does.
 */

/** The plugin kinds a suite exists for. Bridges are declarative (no plugin code runs), so they have none. */
export type ConformanceKind = 'tool' | 'provider' | 'memory' | 'context' | 'subagent';

export const CONFORMANCE_KINDS: readonly ConformanceKind[] = [
  'tool',
  'provider',
  'memory',
  'context',
  'subagent',
];

/** A check that did not hold: `message` says what the plugin did, `fix` what to change. */
export class ConformanceFailure extends Error {
  readonly code = 'ROKU_CONFORMANCE_FAILED';
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = 'ConformanceFailure';
    this.fix = fix;
  }
}

/** Throws a {@link ConformanceFailure} unless `condition` holds. */
export function ensure(condition: unknown, message: string, fix: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message, fix);
}

/** One check's outcome in a report. */
export interface CheckResult {
  readonly kind: ConformanceKind;
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** What went wrong (fail) or why the check did not apply (skip). */
  readonly message?: string;
  /** What to change in the plugin (fail only). */
  readonly fix?: string;
}

/** One named check of a suite; `run` throws to fail, or returns a string to report a skip with its reason. */
export interface Check<C> {
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a check that passes returns nothing
  run(context: C): Promise<void | { skip: string }>;
}

/** A short, single-line preview of a value for messages. */
export function preview(value: unknown, max = 160): string {
  let text: string;
  try {
    // JSON.stringify gives undefined for undefined, functions and symbols, whatever its type says.
    const json: unknown = JSON.stringify(value);
    text = typeof json === 'string' ? json : String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `code` and `pluginCode` of a rejected call, as the host reports a plugin's failure. */
export function errorCodes(err: unknown): { code: string; pluginCode: string | undefined; message: string } {
  const e = err as { code?: unknown; message?: unknown; details?: { pluginCode?: unknown } };
  return {
    code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
    pluginCode: typeof e.details?.pluginCode === 'string' ? e.details.pluginCode : undefined,
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

/** Runs `checks` in order against one context; a thrown non-conformance error is a failure with its message. */
export async function runChecks<C>(
  kind: ConformanceKind,
  checks: readonly Check<C>[],
  context: C,
  only?: (name: string) => boolean,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (only !== undefined && !only(check.name)) continue;
    try {
      const outcome = await check.run(context);
      results.push(
        outcome === undefined
          ? { kind, name: check.name, status: 'pass' }
          : { kind, name: check.name, status: 'skip', message: outcome.skip },
      );
    } catch (err) {
      if (err instanceof ConformanceFailure) {
        results.push({ kind, name: check.name, status: 'fail', message: err.message, fix: err.fix });
      } else {
        const { code, pluginCode, message } = errorCodes(err);
        results.push({
          kind,
          name: check.name,
          status: 'fail',
          message: `${code}${pluginCode === undefined ? '' : ` (${pluginCode})`}: ${message}`,
          fix: 'the plugin failed where the check expected an answer; see the message above and the plugin log',
        });
      }
    }
  }
  return results;
}
