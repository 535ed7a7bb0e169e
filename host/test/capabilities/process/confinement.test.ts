import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { detectConfinement, wrapCommand } from '../../../src/capabilities/process/confinement.js';
import type { ConfinementKind } from '../../../src/capabilities/process/confinement.js';
import { runProcess } from '../../../src/capabilities/process/run-process.js';

const server = createServer((_req, res) => res.end('reached'));
let url = '';
const workspace = join(tempDir('confinement'), 'ws');

beforeAll(async () => {
  mkdirSync(workspace, { recursive: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => server.close());

/** curl of a loopback server on the host, run under one kind of confinement. */
async function curlUnder(
  kind: ConfinementKind,
  network: boolean,
): Promise<{ exitCode: number | null; stdout: string }> {
  const wrapped = wrapCommand(kind, {
    program: '/usr/bin/curl',
    args: ['-sS', '--max-time', '3', url],
    workspace,
    cwd: workspace,
    network,
    hidden: ['/root'],
    pathDirs: ['/usr/bin', '/bin'],
    home: '/tmp/home',
  });
  return runProcess({
    file: wrapped.file,
    args: wrapped.args,
    cwd: workspace,
    env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
    timeoutMs: 10_000,
    maxOutputBytes: 4096,
  });
}

describe('process confinement fallbacks', () => {
  it('keeps the network from a process under unshare -rn and bubblewrap, and lets it through when granted', async () => {
    expect(await curlUnder('none', false)).toMatchObject({ exitCode: 0, stdout: 'reached' });
    expect((await curlUnder('unshare', false)).exitCode).not.toBe(0);
    expect(await curlUnder('unshare', true)).toMatchObject({ exitCode: 0, stdout: 'reached' });
    // scripts/test.sh installs bubblewrap where it can (root with apt-get); without it this part has nothing to run.
    if ((await detectConfinement()).kind !== 'bwrap') return;
    expect((await curlUnder('bwrap', false)).exitCode).not.toBe(0);
    expect(await curlUnder('bwrap', true)).toMatchObject({ exitCode: 0, stdout: 'reached' });
  });
});

describe('bubblewrap and programs under masked folders', () => {
  it('runs a program that lives (through a symlink) under /tmp, which the confinement masks', async () => {
    if ((await detectConfinement()).kind !== 'bwrap') return;
    // like a Node installed into a checkout under /tmp: bin/node -> ../lib/node
    const root = tempDir('masked-program');
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'lib'));
    copyFileSync('/bin/echo', join(root, 'lib', 'echo'));
    symlinkSync('../lib/echo', join(root, 'bin', 'echo'));
    const wrapped = wrapCommand('bwrap', {
      program: join(root, 'bin', 'echo'),
      args: ['still runs'],
      workspace,
      cwd: workspace,
      network: false,
      hidden: ['/root'],
      pathDirs: ['/usr/bin', '/bin'],
      home: '/tmp/home',
    });
    const r = await runProcess({
      file: wrapped.file,
      args: wrapped.args,
      cwd: workspace,
      env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
      timeoutMs: 10_000,
      maxOutputBytes: 4096,
    });
    expect(r.stdout).toBe('still runs\n');
    expect(r.exitCode).toBe(0);
  });
});
