import { runDoctor } from '@roku/host';
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
    ...(options.config === undefined ? {} : { configFile: options.config }),
  });
  const ok = checks.every((c) => c.ok);
  for (const c of checks) log.info({ check: c.name, ok: c.ok, detail: c.detail }, 'doctor check');
  if (options.json) {
    io.stdout(`${JSON.stringify({ ok, checks })}\n`);
    return ok ? EXIT.ok : EXIT.failed;
  }
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    io.stdout(
      `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail.replaceAll('\n', '\n        ')}\n`,
    );
    if (!c.ok && c.fix !== undefined) io.stdout(`      ${' '.repeat(width)}  fix: ${c.fix}\n`);
  }
  io.stdout(ok ? 'roku doctor: all checks passed\n' : 'roku doctor: some checks failed\n');
  return ok ? EXIT.ok : EXIT.failed;
}
