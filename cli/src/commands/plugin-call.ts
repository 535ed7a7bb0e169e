import { resolve } from 'node:path';
import { RokuError, parseStrictJson } from '@roku/schemas';
import { ceilingsFromConfig, createPluginHost } from '@roku/host';
import type { Logger } from '@roku/host';
import { cliConfig } from '../config.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { withSourceLocation } from './author/source-map.js';

export interface PluginCallOptions {
  readonly json: boolean;
  readonly config?: string;
  /** Plugin settings as JSON. */
  readonly settings?: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (err) {
    throw new RokuError('ROKU_CLI_USAGE', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * `roku plugin call <dir> <tool> [input]`: loads a built plugin folder into the real sandbox with exactly the
 * permissions its manifest grants, calls one tool (or `--op` operation) and prints the result.
 */
export async function pluginCallCommand(
  io: CliIo,
  log: Logger,
  dir: string,
  target: string,
  input: string | undefined,
  options: PluginCallOptions,
): Promise<number> {
  const { config, home } = cliConfig(io, options.config);
  const value = input === undefined ? {} : parseJson(input, 'input');
  const settings = options.settings === undefined ? undefined : parseJson(options.settings, '--settings');
  const host = createPluginHost({
    logger: log,
    home,
    workspace: io.cwd,
    env: io.env,
    ceilings: ceilingsFromConfig(config.sandbox),
    grants: (pluginId) => config.plugins?.grants?.[pluginId],
  });
  const folder = resolve(io.cwd, dir);
  try {
    const sandbox = await host.loadFolder(folder);
    const op = target.includes(':') ? target : `tool:${target}`;
    const events: unknown[] = [];
    const result = await sandbox.call(op, value, {
      config: settings ?? config.plugins?.settings?.[sandbox.manifest.id] ?? null,
      onEvent: (event) => {
        events.push(event);
        if (!options.json) io.stderr(`event: ${JSON.stringify(event)}\n`);
      },
    });
    io.stdout(
      options.json
        ? `${JSON.stringify({ ok: true, result, events })}\n`
        : `${JSON.stringify(result, null, 2)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    // A load failure names the bundle line; the author fixes src/…:line:col (through dist/plugin.js.map).
    throw withSourceLocation(err, folder);
  } finally {
    await host.close();
  }
}
