import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isRokuError } from '@roku/schemas';
import { loadConfig, resolveHome } from '../config/load.js';
import { probeIsolateEngine, probeWasmEngine } from '../sandbox/engine-probe.js';

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

function checkHome(home: string): string {
  mkdirSync(home, { recursive: true });
  accessSync(home, constants.W_OK);
  const probe = join(home, `.doctor-${randomUUID()}`);
  writeFileSync(probe, 'ok');
  rmSync(probe);
  return home;
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

/** Runs every check; never throws. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const env = options.env ?? process.env;
  const home = resolveHome(env);
  const checks: DoctorCheck[] = [];
  checks.push(
    await check('node', 'install Node 24 (bash scripts/toolchain.sh puts one in .toolchain/)', checkNode),
  );
  checks.push(
    await check('config', 'fix the keys named above, or remove them to use the defaults', () => {
      const loaded = loadConfig({
        env,
        ...(options.configFile === undefined ? {} : { file: options.configFile }),
      });
      const from = loaded.file ?? 'defaults (no config file)';
      return loaded.envKeys.length === 0 ? from : `${from} + ${loaded.envKeys.join(', ')}`;
    }),
  );
  const homeCheck = await check('data dir', 'set ROKU_HOME to a writable folder', () => checkHome(home));
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
  checks.push(
    await check(
      'isolate engine',
      'reinstall dependencies with Node 24 (isolated-vm 7 needs Node 24)',
      async () => {
        const probe = await probeIsolateEngine();
        return `isolated-vm on ${probe.version} (${probe.millis.toFixed(0)} ms)`;
      },
    ),
  );
  checks.push(
    await check('wasm engine', 'reinstall dependencies (pnpm install)', async () => {
      const probe = await probeWasmEngine();
      return `${probe.version} (${probe.millis.toFixed(0)} ms)`;
    }),
  );
  return checks;
}
