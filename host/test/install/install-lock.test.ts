import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { filesUnder, grantAll, setup } from './helpers.js';

const HOST = fileURLToPath(new URL('../..', import.meta.url));
const SQLITE = createRequire(join(HOST, 'package.json')).resolve('better-sqlite3');
const CONTENDER = fileURLToPath(new URL('./fixtures/lock-contender.mjs', import.meta.url));

let lockModule = '';

beforeAll(async () => {
  lockModule = join(tempDir('install-lock-module'), 'install-lock.mjs');
  await build({
    entryPoints: [join(HOST, 'src/install/install-lock.ts')],
    outfile: lockModule,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    conditions: ['@roku/source'],
    logLevel: 'error',
    plugins: [
      {
        name: 'external-sqlite',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: SQLITE, external: true }));
        },
      },
    ],
  });
});

interface Exit {
  readonly out: string;
  readonly code: number | null;
}

function contender(args: string[], killWhenHeld = false): Promise<Exit> {
  const child = spawn(process.execPath, [CONTENDER, lockModule, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += String(d);
    if (killWhenHeld && out.includes('held')) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d: Buffer) => {
    out += String(d);
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      resolve({ out, code });
    }),
  );
}

describe('install lock', () => {
  it('lets exactly one of 6 processes hold it at a time after its holder was killed, round after round', async () => {
    const dir = tempDir('install-lock');
    let doubles = 0;
    for (let round = 0; round < 3; round++) {
      const lock = join(dir, `r${round}.lock`);
      const marker = join(dir, `r${round}.holder`);
      await contender([lock, marker, 'hold'], true);
      const exits = await Promise.all(
        Array.from({ length: 6 }, () => contender([lock, marker, 'loop', '3', '2'])),
      );
      for (const exit of exits) {
        expect(exit.code, exit.out).toBe(0);
        doubles += (JSON.parse(exit.out.trim()) as { doubles: number }).doubles;
      }
    }
    expect(doubles).toBe(0);
  });

  it('refuses with ROKU_INSTALL_LOCKED while a live process holds it, and is free once that process is killed', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    const lock = join(f.home, '.install-lock.db');
    const marker = join(tempDir('install-lock-marker'), 'holder');
    const child = spawn(process.execPath, [CONTENDER, lockModule, lock, marker, 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', () => {
        resolve();
      }),
    );
    const waiting = f.installer({ lockWaitMs: 100 });
    await expect(
      waiting.plan(['@acme/one']).then((p) => waiting.apply(p, { grant: grantAll })),
    ).rejects.toEqual(expect.objectContaining({ code: 'ROKU_INSTALL_LOCKED' }));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const installer = f.installer({ lockWaitMs: 2000 });
    await installer.apply(await installer.plan(['@acme/one']), { grant: grantAll });
    expect((await installer.list()).map((p) => p.id)).toEqual(['@acme/one']);
  });

  it('finishes what a killed change left: orphan plugin folders, stale versions, staging and a stale roku.lock', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/two', '1.0.0');
    const installer = f.installer();
    await installer.apply(await installer.plan(['@acme/one', '@acme/two']), { grant: grantAll });
    // An uninstall of @acme/two killed after its commit: installed.json no longer names it, roku.lock and
    // its folder still do. Plus a failed install's staging folder and a stale version folder.
    const lockText = await readFile(join(f.home, 'roku.lock'), 'utf8');
    const state = JSON.parse(await readFile(join(f.home, 'state', 'installed.json'), 'utf8')) as {
      plugins: Record<string, unknown>;
    };
    delete state.plugins['@acme/two'];
    await writeFile(join(f.home, 'state', 'installed.json'), JSON.stringify(state));
    await writeFile(join(f.home, 'roku.lock'), lockText);
    await mkdir(join(f.home, 'plugins', '.staging', 'abc'), { recursive: true });
    await writeFile(join(f.home, 'plugins', '.staging', 'abc', 'index.js'), 'x');
    await mkdir(join(f.home, 'plugins', 'acme__one', '0.9.0'), { recursive: true });

    const report = await installer.verify();
    expect(report.ok).toBe(true);
    expect(report.repaired?.length).toBeGreaterThan(0);
    expect(await filesUnder(join(f.home, 'plugins', 'acme__two'))).toEqual([]);
    expect(await filesUnder(join(f.home, 'plugins', '.staging'))).toEqual([]);
    expect(await filesUnder(join(f.home, 'plugins', 'acme__one', '0.9.0'))).toEqual([]);
    expect(await installer.verify()).toEqual({ ok: true, problems: [] });
  });
});
