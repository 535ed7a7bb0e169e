import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';

/**
 * Runs one author command: prints `{ ok: true, ...result }` with `--json` or its text form otherwise. A failure
 * reaches `main`, which prints it (with `--json`, as `{ ok: false, error: { code, message, details } }`).
 */
export async function report<T extends object>(
  io: CliIo,
  json: boolean,
  task: () => Promise<T>,
  text: (result: T) => string,
): Promise<number> {
  const result = await task();
  io.stdout(json ? `${JSON.stringify({ ok: true, ...result })}\n` : text(result));
  return EXIT.ok;
}

/** The archive file name of a plugin version: `@acme/hello` 1.0.0 → `acme-hello-1.0.0.tgz`. */
export function archiveFileName(id: string, version: string): string {
  return `${id.replace(/^@/, '').replace(/\//g, '-')}-${version}.tgz`;
}
