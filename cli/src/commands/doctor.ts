import { escapeControls, runDoctor } from '@roku/host';
import type { Logger } from '@roku/host';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

export async function doctorCommand(
  io: CliIo,
  log: Logger,
  options: { json: boolean; config?: string },
): Promise<number> {
  const checks = await runDoctor({
    env: io.env,
    workspace: io.cwd,
    ...(options.config === undefined ? {} : { configFile: options.config }),
  });
  const ok = checks.every((c) => c.ok);
  for (const c of checks) log.info({ check: c.name, ok: c.ok, detail: c.detail }, 'doctor check');
  if (options.json) {
    io.stdout(`${JSON.stringify({ ok, checks })}\n`);
    return ok ? EXIT.ok : EXIT.failed;
  }
  const width = Math.max(...checks.map((c) => c.name.length));
  const indent = ' '.repeat(width + 8);
  for (const c of checks) {
    // Details come from plugins and configs too: one escaped line each, continued under the first.
    const detail = escapeControls(c.detail).replaceAll('\n', `\n${indent}`);
    io.stdout(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${detail}\n`);
    if (!c.ok && c.fix !== undefined) io.stdout(`${indent}fix: ${escapeControls(c.fix)}\n`);
  }
  io.stdout(ok ? 'roku doctor: all checks passed\n' : 'roku doctor: some checks failed\n');
  return ok ? EXIT.ok : EXIT.failed;
}
