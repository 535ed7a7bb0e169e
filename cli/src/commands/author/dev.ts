import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { buildPlugin } from '@roku/plugin-api/build';
import { CONFIG_FILE_NAME, signalPluginChange } from '@roku/host';
import { MANIFEST_FILE_NAME, RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import { cliConfig } from '../../config.js';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { pluginFolder } from '../../plugin-folder.js';
import { devEvent, followLog } from './dev-logs.js';
import type { DevLogEvent } from './dev-logs.js';
import { annotateBundleLines, bundleLineSource } from './source-map.js';

/** Saves closer together than this make one rebuild. */
const DEBOUNCE_MS = 150;
/** Folders whose changes never trigger a rebuild (build output, dependencies, VCS). */
const IGNORED = ['dist', 'node_modules', '.git', 'build', 'coverage'];

export interface PluginDevOptions {
  readonly json: boolean;
  /** Add the folder to plugins.devDirs of the config when it is missing. */
  readonly register: boolean;
  /** The --config file, if any. */
  readonly configFile?: string;
  /** Stops the loop (tests); SIGINT and SIGTERM stop it too. */
  readonly signal?: AbortSignal;
}

type DevEvent =
  | { type: 'registered'; config: string; dir: string }
  | { type: 'build'; ok: true; outFile: string; bytes: number; ms: number }
  | { type: 'build'; ok: false; error: string }
  | { type: 'signalled'; pluginId: string; sequence: number }
  | { type: 'watching'; dir: string; log: string | null; hint?: string }
  | DevLogEvent;

function text(event: DevEvent): string {
  const pid = (p: number | null): string => (p === null ? '' : `[pid ${p}] `);
  switch (event.type) {
    case 'registered':
      return `registered ${event.dir} in plugins.devDirs of ${event.config} (running hosts reload with it)`;
    case 'build':
      return event.ok
        ? `built ${event.outFile} (${event.bytes} bytes, ${event.ms} ms)`
        : `build failed:\n${event.error}`;
    case 'signalled':
      return `reload signalled to running roku chat / roku serve (change ${event.sequence})`;
    case 'watching':
      return [
        `watching ${event.dir} (ctrl-C stops)`,
        event.log === null
          ? 'no log file is configured (log.file): plugin logs cannot be followed'
          : `following ${event.log}`,
        ...(event.hint === undefined ? [] : [event.hint]),
      ].join('\n');
    case 'reload':
      return `${pid(event.pid)}plugin snapshot ${String(event.snapshot)} live (${event.reason})`;
    case 'log':
      return `${pid(event.pid)}${event.level}: ${event.message}${event.data === undefined ? '' : ` ${JSON.stringify(event.data)}`}`;
    case 'denial':
      return `${pid(event.pid)}denied (${event.code}): ${event.reason}${event.grant === null ? '' : `\n    grant it with: ${event.grant}`}`;
    case 'problem':
      return `${pid(event.pid)}${event.level}: ${event.message}${event.error === undefined ? '' : `: ${event.error}`}`;
  }
}

/** The config file `roku chat` / `roku serve` read, and the plugin folders it loads as dev plugins. */
function configOf(io: CliIo, configFile: string | undefined) {
  const loaded = cliConfig(io, configFile);
  const file = loaded.file ?? configFile ?? join(loaded.home, CONFIG_FILE_NAME);
  const base = dirname(file);
  const devDirs = (loaded.config.plugins?.devDirs ?? []).map((d) => (isAbsolute(d) ? d : resolve(base, d)));
  const logPath = loaded.config.log?.file ?? '';
  const log = logPath === '' ? null : isAbsolute(logPath) ? logPath : join(loaded.home, logPath);
  return { home: loaded.home, file, devDirs, log, level: loaded.config.log?.level ?? 'warn' };
}

/**
 * Adds `dir` to plugins.devDirs of a JSON config file (created when missing), written whole and renamed into
 * place so a running host never reads half a file.
 *
 * @throws ROKU_CLI_USAGE when the config is not JSON (YAML configs are edited by hand)
 */
function register(file: string, dir: string): void {
  if (existsSync(file) && extname(file) !== '.json') {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `${file}: only a JSON config can be edited for you; add ${JSON.stringify(dir)} to plugins.devDirs yourself, or pass --no-register`,
    );
  }
  const config = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const plugins = (config.plugins ?? {}) as Record<string, unknown>;
  const devDirs = Array.isArray(plugins.devDirs) ? (plugins.devDirs as unknown[]) : [];
  config.plugins = { ...plugins, devDirs: [...devDirs, dir] };
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(temp, file);
}

/** The plugin id of a folder's manifest, validated. @throws ROKU_CLI_MANIFEST_INVALID */
function manifestId(folder: string): string {
  const file = join(folder, MANIFEST_FILE_NAME);
  const result = createManifestValidator().parse(readFileSync(file));
  if (!result.ok) {
    throw new RokuError('ROKU_CLI_MANIFEST_INVALID', formatIssues(file, result.issues).join('\n'), {
      details: { file, issues: result.issues },
    });
  }
  return result.value.id;
}

function hasSource(folder: string): boolean {
  return existsSync(join(folder, 'src', 'index.ts')) || existsSync(join(folder, 'assembly', 'index.ts'));
}

/**
 * `roku plugin dev <dir>`: registers the folder as a dev plugin (plugins.devDirs), builds it, and on every save
 * rebuilds it and signals running `roku chat` / `roku serve` processes to swap their plugin snapshot (the
 * install-change signal under ROKU_HOME/state). Meanwhile it follows their log file and prints the plugin's
 * log lines, its capability denials with the manifest line that would grant each, its failures and every
 * snapshot swap. Runs until SIGINT/SIGTERM; `--json` prints one JSON object per event.
 *
 * @throws ROKU_CLI_NOT_FOUND, ROKU_CLI_MANIFEST_INVALID, ROKU_CLI_USAGE (a config it cannot edit)
 */
export async function pluginDevCommand(io: CliIo, dir: string, options: PluginDevOptions): Promise<number> {
  const folder = pluginFolder(io.cwd, dir);
  let pluginId = manifestId(folder);
  const config = configOf(io, options.configFile);
  const print = (event: DevEvent): void => {
    // A load failure in a running host names a bundle line: show the author's src/…:line:col under it.
    if (!options.json) {
      io.stdout(`${annotateBundleLines(text(event), folder)}\n`);
      return;
    }
    const source = event.type === 'problem' ? bundleLineSource(event.error ?? '', folder) : undefined;
    io.stdout(`${JSON.stringify(source === undefined ? event : { ...event, source })}\n`);
  };
  if (options.register && !config.devDirs.some((d) => resolve(d) === folder)) {
    register(config.file, folder);
    print({ type: 'registered', config: config.file, dir: folder });
  }

  let running: Promise<void> = Promise.resolve();
  const rebuild = async (): Promise<void> => {
    try {
      pluginId = manifestId(folder);
      if (hasSource(folder)) {
        const started = performance.now();
        const result = await buildPlugin(folder);
        const ms = Math.round(performance.now() - started);
        print({
          type: 'build',
          ok: true,
          outFile: relative(folder, result.outFile),
          bytes: result.bytes,
          ms,
        });
      }
      const signal = await signalPluginChange(config.home, { kind: 'apply', ids: [pluginId] });
      print({ type: 'signalled', pluginId, sequence: signal.sequence });
    } catch (err) {
      print({ type: 'build', ok: false, error: (err as Error).message });
    }
  };
  await rebuild();

  const stopLog =
    config.log === null
      ? () => undefined
      : followLog(config.log, (record) => {
          const event = devEvent(record, pluginId);
          if (event !== undefined) print(event);
        });
  const quiet = config.level === 'warn' || config.level === 'error' || config.level === 'fatal';
  print({
    type: 'watching',
    dir: folder,
    log: config.log,
    ...(quiet
      ? {
          hint: `the hosts log at level ${config.level}: the plugin's info and debug lines reach the log with "log": { "level": "debug" } in ${config.file} (restart roku chat / roku serve)`,
        }
      : {}),
  });

  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(folder, { recursive: true }, (_event, name) => {
    const path = name ?? '';
    const top = path.split(sep)[0] ?? '';
    if (IGNORED.includes(top) || path.endsWith('.tmp')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(rebuild);
    }, DEBOUNCE_MS);
  });
  watcher.on('error', () => undefined);

  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted === true) stop();
  });
  clearTimeout(timer);
  watcher.close();
  await running;
  stopLog();
  return EXIT.ok;
}

/** Adds `roku plugin dev` to the `plugin` command. */
export function registerPluginDev(
  program: Command,
  plugin: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  plugin
    .command('dev')
    .description(
      'rebuild a plugin on save and hot-reload it into running roku chat / roku serve, streaming its logs and capability denials',
    )
    .argument('[dir]', 'plugin folder', '.')
    .option('--no-register', 'do not add the folder to plugins.devDirs of the config')
    .option('--json', 'print one JSON object per event')
    .action(async (dir: string, opts: { json?: boolean; register: boolean }) => {
      const configFile = program.opts<{ config?: string }>().config;
      setExit(
        await pluginDevCommand(io, dir, {
          json: opts.json === true,
          register: opts.register,
          ...(configFile === undefined ? {} : { configFile }),
        }),
      );
    });
}
