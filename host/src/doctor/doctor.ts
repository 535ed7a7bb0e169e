import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { isRokuError } from '@roku/schemas';
import { loadConfig, resolveHome } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { detectConfinement } from '../capabilities/process/confinement.js';
import { mcpLimitSupport, mcpStatusSummary } from '../mcp/index.js';
import { probeIsolateCpuClock, probeIsolateEngine, probeWasmEngine } from '../sandbox/engine-probe.js';
import { ensureHome } from './home.js';
import { checkPluginLoad, checkPluginSettings } from './plugins.js';
import type { Findings, PluginCheckContext } from './plugins.js';

/** One line of `roku doctor`: ok, or what is wrong and how to fix it. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly configFile?: string;
  /** The folder plugins see as their workspace while the plugin check loads them (default: the cwd). */
  readonly workspace?: string;
  /** Receives what loading the plugins logs; silent by default, since the report names every problem. */
  readonly logger?: Logger;
}

const REQUIRED_NODE_MAJOR = 24;

async function check(name: string, fix: string, run: () => Promise<string> | string): Promise<DoctorCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (err) {
    const message = isRokuError(err) || err instanceof Error ? err.message : String(err);
    return { name, ok: false, detail: message, fix };
  }
}

function checkNode(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== REQUIRED_NODE_MAJOR) {
    throw new Error(`running on Node ${process.versions.node}; Roku needs Node ${REQUIRED_NODE_MAJOR}`);
  }
  return `Node ${process.versions.node}`;
}

/** The data dir check: ensureHome's message says what is wrong, then (after the last '; ') the fix. */
function homeChecked(home: string): DoctorCheck {
  try {
    return { name: 'data dir', ok: true, detail: ensureHome(home) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const cut = message.lastIndexOf('; ');
    return cut < 0
      ? { name: 'data dir', ok: false, detail: message, fix: 'set ROKU_HOME to a writable folder' }
      : { name: 'data dir', ok: false, detail: message.slice(0, cut), fix: message.slice(cut + 2) };
  }
}

/** Findings as a check's detail: the summary or the problems, then the notes. */
function findingsDetail(findings: Findings): string {
  if (findings.problems.length > 0)
    throw new Error([...findings.problems, ...findings.notes.map((n) => `note: ${n}`)].join('\n'));
  return [findings.summary, ...findings.notes.map((n) => `note: ${n}`)].join('\n');
}

/** The plugin checks: settings against each configSchema, then loading them as a run would. */
async function pluginChecks(ctx: PluginCheckContext, configFile: string): Promise<DoctorCheck[]> {
  let flagged: ReadonlySet<string> = new Set();
  const settings = await check(
    'plugin settings',
    `fix the settings named above in ${configFile} (each plugin's configSchema in its roku.plugin.json says what it takes)`,
    async () => {
      const findings = await checkPluginSettings(ctx);
      flagged = findings.pluginIds;
      return findingsDetail(findings);
    },
  );
  const load = await check(
    'plugins',
    'fix or remove the plugins named above (roku plugin list, plugins.devDirs in the config)',
    async () => findingsDetail(await checkPluginLoad(ctx, flagged)),
  );
  return [settings, load];
}

async function checkSqlite(home: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const dir = join(home, 'state');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `.doctor-${randomUUID()}.db`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE probe (v TEXT)');
    db.prepare('INSERT INTO probe (v) VALUES (?)').run('ok');
    const row = db.prepare('SELECT v, sqlite_version() AS version FROM probe').get() as {
      v: string;
      version: string;
    };
    if (row.v !== 'ok') throw new Error('SQLite did not read back what it wrote');
    return `SQLite ${row.version} (WAL) in ${dir}`;
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
}

/**
 * How to get a thread CPU clock: a source build of isolated-vm with the clock defined (a plain
 * `npm rebuild --build-from-source` leaves it out, see scripts/build-isolated-vm.mjs).
 */
const CLOCK_FIX =
  'for thread CPU time, build isolated-vm from source: pnpm build:isolated-vm in a Roku checkout';

/**
 * Informational unless the probe breaks. With an elapsed-time clock the runner still charges a plugin at most
 * what its process used on the CPU (runner/isolate-clock.ts), but isolated-vm's own timeout of a synchronous
 * run counts time the thread waited for a core.
 */
async function isolateClockDetail(): Promise<string> {
  const probe = await probeIsolateCpuClock();
  if (probe.clock === 'thread') return `thread CPU time (${probe.binary})`;
  return (
    `note: isolated-vm counts elapsed time (${probe.binary}: ${probe.detail}); plugins are charged at most ` +
    `the runner's CPU time, but a synchronous run is stopped by elapsed time; ${CLOCK_FIX}`
  );
}

/** Runs every check; never throws. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const env = options.env ?? process.env;
  const home = resolveHome(env);
  const checks: DoctorCheck[] = [];
  checks.push(
    await check('node', 'install Node 24 (bash scripts/toolchain.sh puts one in .toolchain/)', checkNode),
  );
  let loaded: LoadedConfig | undefined;
  checks.push(
    await check('config', 'fix the keys named above, or remove them to use the defaults', () => {
      loaded = loadConfig({
        env,
        ...(options.configFile === undefined ? {} : { file: options.configFile }),
      });
      const from = loaded.file ?? 'defaults (no config file)';
      return loaded.envKeys.length === 0 ? from : `${from} + ${loaded.envKeys.join(', ')}`;
    }),
  );
  const homeCheck = homeChecked(home);
  checks.push(homeCheck);
  checks.push(
    homeCheck.ok
      ? await check(
          'sqlite',
          'reinstall dependencies with Node 24 (better-sqlite3 needs its Node 24 prebuild)',
          () => checkSqlite(home),
        )
      : {
          name: 'sqlite',
          ok: false,
          detail: 'skipped: the data dir is not usable',
          fix: 'fix the data dir first',
        },
  );
  const isolateCheck = await check(
    'isolate engine',
    'reinstall dependencies with Node 24 (isolated-vm 7 needs Node 24)',
    async () => {
      const probe = await probeIsolateEngine();
      return `isolated-vm on ${probe.version} (${probe.millis.toFixed(0)} ms)`;
    },
  );
  checks.push(isolateCheck);
  if (isolateCheck.ok) checks.push(await check('cpu clock', CLOCK_FIX, isolateClockDetail));
  const wasmCheck = await check('wasm engine', 'reinstall dependencies (pnpm install)', async () => {
    const probe = await probeWasmEngine();
    return `${probe.version} (${probe.millis.toFixed(0)} ms)`;
  });
  checks.push(wasmCheck);
  const engines = isolateCheck.ok && wasmCheck.ok;
  if (loaded !== undefined && homeCheck.ok && engines) {
    const ctx: PluginCheckContext = {
      home,
      config: loaded.config,
      ...(loaded.file === undefined ? {} : { configFile: loaded.file }),
      workspace: options.workspace ?? process.cwd(),
      env,
      logger: options.logger ?? pino({ level: 'silent' }),
    };
    checks.push(...(await pluginChecks(ctx, loaded.file ?? join(home, 'config.json'))));
  } else {
    const skipped = 'skipped: the config, the data dir and both engines must work first';
    for (const name of ['plugin settings', 'plugins'])
      checks.push({ name, ok: false, detail: skipped, fix: 'fix the checks above first' });
  }
  // Informational: plugins' processes run wherever, confined as far as this machine allows.
  checks.push({ name: 'confinement', ok: true, detail: (await detectConfinement()).detail });
  // MCP servers' `limits` need prlimit; `confine` needs the bubblewrap above. cgroup limits are not used.
  checks.push({ name: 'mcp limits', ok: true, detail: (await mcpLimitSupport()).detail });
  const servers = mcpStatusSummary(home);
  if (servers !== undefined) checks.push({ name: 'mcp servers', ok: true, detail: servers });
  return checks;
}
