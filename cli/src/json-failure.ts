import { isRokuError } from '@roku/schemas';
import type { RokuErrorJson } from '@roku/schemas';
import type { CliIo } from './io.js';
import { jsonLine } from './terminal-text.js';

/**
 * What every command run with `--json` prints on stdout, as one line, when it fails: the error in its wire form.
 * Run results (`roku run --json`, `roku approval approve --json`, `roku chat --pipe`) are objects with more
 * fields (the pipe contract) but carry the same `ok: false` and `error` when the run failed.
 *
 * @example
 * {"ok":false,"error":{"code":"ROKU_SESSION_NOT_FOUND","message":"session \"x\" not found; …","details":{…}}}
 */
export interface JsonFailure {
  readonly ok: false;
  readonly error: RokuErrorJson;
}

/** The wire form of any thrown value: a Roku error as it is, anything else as ROKU_CLI_INTERNAL. */
export function errorJson(err: unknown): RokuErrorJson {
  if (!isRokuError(err)) {
    return { code: 'ROKU_CLI_INTERNAL', message: err instanceof Error ? err.message : String(err) };
  }
  const { details } = err as { details?: unknown };
  return typeof details === 'object' && details !== null
    ? { code: err.code, message: err.message, details: details as Readonly<Record<string, unknown>> }
    : { code: err.code, message: err.message };
}

/** Prints the `--json` failure of `err` on stdout. */
export function printJsonFailure(io: CliIo, err: unknown): void {
  const failure: JsonFailure = { ok: false, error: errorJson(err) };
  io.stdout(jsonLine(failure));
}
