import { isRokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';

/**
 * Runs one author command: prints `{ ok: true, ...result }` with `--json` or its text form otherwise. With
 * `--json`, a RokuError becomes `{ ok: false, error: { code, message, details } }` on stdout and exit 1;
 * without it the error reaches `main`, which prints it with its code.
 */
export async function report<T extends object>(
  io: CliIo,
  json: boolean,
  task: () => Promise<T>,
  text: (result: T) => string,
): Promise<number> {
  let result: T;
  try {
    result = await task();
  } catch (err) {
    if (!json || !isRokuError(err)) throw err;
    const details = (err as { details?: unknown }).details;
    const error = { code: err.code, message: err.message, ...(details === undefined ? {} : { details }) };
    io.stdout(`${JSON.stringify({ ok: false, error })}\n`);
    return EXIT.failed;
  }
  io.stdout(json ? `${JSON.stringify({ ok: true, ...result })}\n` : text(result));
  return EXIT.ok;
}

/** The archive file name of a plugin version: `@acme/hello` 1.0.0 → `acme-hello-1.0.0.tgz`. */
export function archiveFileName(id: string, version: string): string {
  return `${id.replace(/^@/, '').replace(/\//g, '-')}-${version}.tgz`;
}
