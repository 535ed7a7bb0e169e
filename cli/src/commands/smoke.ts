import { ensureHome, resolveHome, runBootstrapRequest } from '@roku/host';
import type { LoadedConfig } from '@roku/host';
import { cliConfig } from '../config.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { cliLogger } from '../logger.js';

interface Line {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function attempt(name: string, run: () => string): Line {
  try {
    return { name, ok: true, detail: run() };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * `roku` without a command: a self-check that needs no credentials and no network. It loads the
 * configuration, checks ROKU_HOME, and runs the bootstrap request on the deterministic path (the scripted
 * provider, in a throwaway home), then points to `roku --help`. Exit 0 when everything worked, else 1.
 */
export async function smokeCommand(io: CliIo, version: string): Promise<number> {
  io.stdout(`roku ${version}: self-check (no credentials or network needed)\n`);
  let loaded: LoadedConfig | undefined;
  const lines: Line[] = [
    attempt('config', () => {
      loaded = cliConfig(io, undefined);
      return loaded.file ?? 'defaults (no config file)';
    }),
    attempt('data dir', () => ensureHome(resolveHome(io.env))),
  ];
  try {
    const result = await runBootstrapRequest({
      config: loaded?.config,
      logger: cliLogger(io, undefined).child({ command: 'self-check' }),
    });
    lines.push({
      name: 'bootstrap request',
      ok: true,
      detail: `${JSON.stringify(result.message.trim())} from ${result.model} in ${result.millis.toFixed(0)} ms (sandboxes, store and agent loop work)`,
    });
  } catch (err) {
    lines.push({
      name: 'bootstrap request',
      ok: false,
      detail: err instanceof Error ? err.message : String(err),
    });
  }
  const width = Math.max(...lines.map((l) => l.name.length));
  for (const l of lines) io.stdout(`${l.ok ? 'ok  ' : 'FAIL'}  ${l.name.padEnd(width)}  ${l.detail}\n`);
  const ok = lines.every((l) => l.ok);
  io.stdout(
    ok
      ? 'roku works. Next: roku --help for the commands, roku doctor for a full check, roku chat to talk to the agent.\n'
      : 'roku: the self-check failed; roku doctor explains each part with its fix. roku --help lists the commands.\n',
  );
  return ok ? EXIT.ok : EXIT.failed;
}
