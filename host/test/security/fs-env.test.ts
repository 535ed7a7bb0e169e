/**
 * Hostile plugins on the filesystem and environment: traversal, absolute paths, symbolic links out of the
 * workspace, FIFOs, writes under read-only grants, ungranted env names and secrets read as env.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginManifest } from '@roku/schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GRANTED_ENV,
  GRANTED_ENV_VALUE,
  SECRET_NAME,
  SECRET_VALUE,
  UNGRANTED_ENV,
  createHarness,
  expectCapError,
} from './helpers.js';
import type { Harness } from './helpers.js';

const OUTSIDE_TEXT = 'TOP SECRET outside the workspace';
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  const rw = join(h.workspace, 'rw');
  const ro = join(h.workspace, 'ro');
  mkdirSync(rw);
  mkdirSync(ro);
  writeFileSync(join(rw, 'ok.txt'), 'inside');
  writeFileSync(join(ro, 'keep.txt'), 'read only');
  symlinkSync(h.outside, join(rw, 'linkdir'));
  symlinkSync(join(h.outside, 'secret.txt'), join(rw, 'link.txt'));
  symlinkSync(h.outside, join(ro, 'linkdir'));
  execFileSync('mkfifo', [join(rw, 'fifo')]);
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  // nothing outside the grant was read into a reply or written
  expect(readFileSync(join(h.outside, 'secret.txt'), 'utf8')).toBe(OUTSIDE_TEXT);
  expect(existsSync(join(h.outside, 'pwned.txt'))).toBe(false);
  await h.expectCanaryAlive();
});

type Permissions = NonNullable<PluginManifest['permissions']>;
const FS: Permissions = {
  filesystem: [
    { root: 'workspace' as const, path: 'rw', access: 'read-write' as const },
    { root: 'workspace' as const, path: 'ro', access: 'read' as const },
  ],
};

/** Plugin body: each of `input.requests` ([op, args]) sent raw; the replies in order. */
const RAW_ALL = `const out = [];
for (const [op, args] of input.requests) out.push(JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args }))));
return out;`;

async function replies(
  name: string,
  requests: [string, Record<string, unknown>][],
  permissions: Permissions = FS,
): Promise<unknown[]> {
  const sandbox = await h.load(name, { body: RAW_ALL, permissions });
  const out = (await sandbox.call('tool:t', { requests })) as unknown[];
  expect(JSON.stringify(out)).not.toContain(OUTSIDE_TEXT);
  return out;
}

const read = (path: string, root = 'workspace'): [string, Record<string, unknown>] => [
  'fs.read',
  { root, path, encoding: 'utf8' },
];
const write = (path: string, root = 'workspace'): [string, Record<string, unknown>] => [
  'fs.write',
  { root, path, data: 'pwned', encoding: 'utf8' },
];

describe('a hostile plugin on the filesystem', () => {
  it('reads inside its grant (control)', async () => {
    const [ok] = await replies('fs-control', [read('rw/ok.txt')]);
    expect(ok).toEqual({ ok: true, value: { data: 'inside' } });
  });

  it('is denied ../ traversal in every spelling', async () => {
    const out = await replies('fs-traversal', [
      read('rw/../../outside/secret.txt'),
      read('../outside/secret.txt'),
      read('rw/..%2f..%2foutside/secret.txt'),
      read('rw/..\\..\\outside\\secret.txt'),
      write('rw/../../outside/pwned.txt'),
      ['fs.list', { root: 'workspace', path: 'rw/../..' }],
    ]);
    // an encoded or backslashed name is just a file name that does not exist inside the grant
    const codes = out.map((r) => (r as { error?: { code?: string } }).error?.code);
    expect(codes).toEqual([
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_FAILED',
      expect.stringMatching(/ROKU_CAPABILITY_(DENIED|FAILED)/),
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_DENIED',
    ]);
    for (const r of out) expect(JSON.stringify(r)).toContain('@evil/fs-traversal');
  });

  it('is denied absolute paths and unknown roots', async () => {
    const out = await replies('fs-absolute', [
      read(join(h.outside, 'secret.txt')),
      read('/etc/passwd'),
      write(join(h.outside, 'pwned.txt')),
      read('secret.txt', '/'),
      read('secret.txt', 'data'),
    ]);
    for (const r of out.slice(0, 3)) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'fs-absolute');
    expectCapError(out[3], 'ROKU_CAPABILITY_BAD_REQUEST', 'fs-absolute');
    expectCapError(out[4], 'ROKU_CAPABILITY_DENIED', 'fs-absolute');
  });

  it('is denied a symlinked directory that leads out of the workspace', async () => {
    const out = await replies('fs-symlink-dir', [
      read('rw/linkdir/secret.txt'),
      write('rw/linkdir/pwned.txt'),
      ['fs.list', { root: 'workspace', path: 'rw/linkdir' }],
      read('ro/linkdir/secret.txt'),
    ]);
    for (const r of out) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'fs-symlink-dir');
  });

  it('is denied a symlinked file that leads out of the workspace, for reading and writing', async () => {
    const out = await replies('fs-symlink-file', [read('rw/link.txt'), write('rw/link.txt')]);
    for (const r of out) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'fs-symlink-file');
  });

  it('is denied reading or writing a FIFO, without blocking', async () => {
    const out = await replies('fs-fifo', [read('rw/fifo'), write('rw/fifo')]);
    for (const r of out) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'fs-fifo');
  });

  it('is denied writing under a read-only grant', async () => {
    const out = await replies('fs-readonly', [
      write('ro/keep.txt'),
      write('ro/new.txt'),
      read('ro/keep.txt'),
    ]);
    expectCapError(out[0], 'ROKU_CAPABILITY_DENIED', 'fs-readonly');
    expectCapError(out[1], 'ROKU_CAPABILITY_DENIED', 'fs-readonly');
    expect(out[2]).toEqual({ ok: true, value: { data: 'read only' } });
    expect(readFileSync(join(h.workspace, 'ro', 'keep.txt'), 'utf8')).toBe('read only');
    expect(existsSync(join(h.workspace, 'ro', 'new.txt'))).toBe(false);
  });

  it('keeps concurrent writes that create the same folder inside the grant', async () => {
    const sandbox = await h.load('fs-race', {
      body: `const ask = (op, args) => globalThis.__roku_host.cap(JSON.stringify({ op, args }));
      const all = [];
      for (let i = 0; i < 50; i++) all.push(ask('fs.write', { root: 'workspace', path: 'rw/race/f' + i + '.txt', data: 'x', encoding: 'utf8' }));
      return (await Promise.all(all)).map((r) => JSON.parse(r).ok);`,
      permissions: FS,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(new Array<boolean>(50).fill(true));
    expect(existsSync(join(h.outside, 'f0.txt'))).toBe(false);
  });
});

describe('a hostile plugin reading the environment', () => {
  it('reads a granted name but is denied an ungranted one and a secret', async () => {
    const out = await replies(
      'env-names',
      [
        ['env.get', { name: GRANTED_ENV }],
        ['env.get', { name: UNGRANTED_ENV }],
        ['env.get', { name: SECRET_NAME }],
        ['env.get', { name: 'PATH' }],
        ['env.get', { name: '__proto__' }],
        ['env.get', { name: 'constructor' }],
      ],
      { env: [GRANTED_ENV], secrets: [SECRET_NAME] },
    );
    expect(out[0]).toEqual({ ok: true, value: { value: GRANTED_ENV_VALUE } });
    for (const r of out.slice(1)) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'env-names');
    expect(JSON.stringify(out)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(out)).not.toContain('private value');
  });
});
