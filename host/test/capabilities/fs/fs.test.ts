import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, expectError, expectOk } from '../helpers.js';
import type { Harness, HarnessOptions } from '../helpers.js';

let current: Harness | undefined;

afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

function harness(options: HarnessOptions): Harness {
  current = createHarness(options);
  mkdirSync(current.roots.workspace, { recursive: true });
  return current;
}

const READ_WORKSPACE: HarnessOptions = {
  permissions: { filesystem: [{ root: 'workspace', access: 'read' }] },
};

describe('fs: granted access', () => {
  it('reads, writes and lists files under read-write grants, creating data folders on first use', async () => {
    const h = harness({
      permissions: { filesystem: [{ root: 'data', path: 'notes', access: 'read-write' }] },
    });
    expect(existsSync(h.roots.data)).toBe(false);
    expectOk(
      await h.request('fs.write', {
        root: 'data',
        path: 'notes/2024/today.md',
        data: 'sunny',
        encoding: 'utf8',
      }),
    );
    expect(readFileSync(join(h.roots.data, 'notes', '2024', 'today.md'), 'utf8')).toBe('sunny');
    const read = expectOk(
      await h.request('fs.read', { root: 'data', path: 'notes/2024/today.md', encoding: 'base64' }),
    );
    expect(Buffer.from(read.data as string, 'base64').toString()).toBe('sunny');
    const list = expectOk(await h.request('fs.list', { root: 'data', path: 'notes' }));
    expect(list.entries).toEqual([{ name: '2024', type: 'dir' }]);
  });

  it('refuses to write under a read-only grant', async () => {
    const h = harness(READ_WORKSPACE);
    writeFileSync(join(h.roots.workspace, 'README.md'), 'original');
    const message = expectError(
      await h.request('fs.write', { root: 'workspace', path: 'README.md', data: 'pwned', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('grants read access only');
    expect(readFileSync(join(h.roots.workspace, 'README.md'), 'utf8')).toBe('original');
  });

  it("reads the user's skills root but never writes it, whatever the grant says", async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'skills', access: 'read-write' }] } });
    mkdirSync(join(h.roots.skills ?? '', 'notes'), { recursive: true });
    writeFileSync(join(h.roots.skills ?? '', 'notes', 'SKILL.md'), 'mine');
    const read = expectOk(
      await h.request('fs.read', { root: 'skills', path: 'notes/SKILL.md', encoding: 'utf8' }),
    );
    expect(read.data).toBe('mine');
    const message = expectError(
      await h.request('fs.write', {
        root: 'skills',
        path: 'notes/SKILL.md',
        data: 'pwned',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('the skills root is read only');
    expect(readFileSync(join(h.roots.skills ?? '', 'notes', 'SKILL.md'), 'utf8')).toBe('mine');
  });

  it('denies roots and paths outside every grant', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', path: 'docs', access: 'read' }] } });
    mkdirSync(join(h.roots.workspace, 'docs'));
    writeFileSync(join(h.roots.workspace, 'secret.txt'), 'x');
    expectError(
      await h.request('fs.read', { root: 'workspace', path: 'secret.txt', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expectError(
      await h.request('fs.read', { root: 'workspace', path: 'docsx/a', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expectError(await h.request('fs.list', { root: 'data', path: '' }), 'ROKU_CAPABILITY_DENIED');
    expectError(await h.request('fs.list', { root: 'home', path: '' }), 'ROKU_CAPABILITY_BAD_REQUEST');
  });

  it('refuses files larger than limits.outputBytes', async () => {
    const h = harness({ ...READ_WORKSPACE, limits: { outputBytes: 1024 } });
    writeFileSync(join(h.roots.workspace, 'big.bin'), Buffer.alloc(2048));
    expectError(
      await h.request('fs.read', { root: 'workspace', path: 'big.bin', encoding: 'base64' }),
      'ROKU_CAPABILITY_LIMIT',
    );
  });
});

describe('fs: escapes', () => {
  it.each(['../outside.txt', 'a/../../outside.txt', '/etc/passwd', 'a\\..\\b', 'a\0b'])(
    'refuses the path %j',
    async (path) => {
      const h = harness(READ_WORKSPACE);
      const message = expectError(
        await h.request('fs.read', { root: 'workspace', path, encoding: 'utf8' }),
        'ROKU_CAPABILITY_DENIED',
      );
      expect(message).toMatch(/^@acme\/weather: filesystem access to workspace:".*" denied: path /);
    },
  );

  it('refuses to read through a symlinked folder that leads outside the grant', async () => {
    const h = harness(READ_WORKSPACE);
    const outside = join(h.dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'id_rsa'), 'PRIVATE');
    symlinkSync(outside, join(h.roots.workspace, 'linked'));
    const message = expectError(
      await h.request('fs.read', { root: 'workspace', path: 'linked/id_rsa', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('a symbolic link is on the way');
    expectError(await h.request('fs.list', { root: 'workspace', path: 'linked' }), 'ROKU_CAPABILITY_DENIED');
  });

  it('refuses symlinked files, for reading and for writing', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', access: 'read-write' }] } });
    const outside = join(h.dir, 'passwd');
    writeFileSync(outside, 'root:x:0:0');
    symlinkSync(outside, join(h.roots.workspace, 'link.txt'));
    expectError(
      await h.request('fs.read', { root: 'workspace', path: 'link.txt', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expectError(
      await h.request('fs.write', { root: 'workspace', path: 'link.txt', data: 'pwned', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(readFileSync(outside, 'utf8')).toBe('root:x:0:0');
  });

  it('refuses to write through a symlinked folder that leads outside the grant', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', access: 'read-write' }] } });
    const outside = join(h.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(h.roots.workspace, 'escape'));
    expectError(
      await h.request('fs.write', {
        root: 'workspace',
        path: 'escape/dropped.sh',
        data: 'x',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(existsSync(join(outside, 'dropped.sh'))).toBe(false);
  });

  it('refuses FIFOs without blocking, and leaves them out of listings', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', access: 'read-write' }] } });
    execFileSync('mkfifo', [join(h.roots.workspace, 'pipe')]);
    writeFileSync(join(h.roots.workspace, 'plain.txt'), 'ok');
    const message = expectError(
      await h.request('fs.read', { root: 'workspace', path: 'pipe', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('it is a FIFO');
    expectError(
      await h.request('fs.write', { root: 'workspace', path: 'pipe', data: 'x', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    const list = expectOk(await h.request('fs.list', { root: 'workspace', path: '.' }));
    expect(list.entries).toEqual([{ name: 'plain.txt', type: 'file' }]);
  });

  it('never writes through a hard link: the file it shares content with outside stays as it was', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', access: 'read-write' }] } });
    const outside = join(h.dir, 'authorized_keys');
    writeFileSync(outside, 'ssh-ed25519 AAAA user');
    linkSync(outside, join(h.roots.workspace, 'keys.txt'));
    expectOk(
      await h.request('fs.write', { root: 'workspace', path: 'keys.txt', data: 'pwned', encoding: 'utf8' }),
    );
    expect(readFileSync(outside, 'utf8')).toBe('ssh-ed25519 AAAA user');
    expect(readFileSync(join(h.roots.workspace, 'keys.txt'), 'utf8')).toBe('pwned');
    expect(statSync(outside).nlink).toBe(1);
  });

  it('refuses a grant folder that is itself a symbolic link, and a link at any depth', async () => {
    const h = harness({
      permissions: { filesystem: [{ root: 'workspace', path: 'granted', access: 'read-write' }] },
    });
    const outside = join(h.dir, 'elsewhere');
    mkdirSync(join(outside, 'deep'), { recursive: true });
    writeFileSync(join(outside, 'deep', 'f.txt'), 'outside');
    symlinkSync(outside, join(h.roots.workspace, 'granted'));
    for (const path of ['granted/deep/f.txt', 'granted/deep/new.txt']) {
      expectError(
        await h.request('fs.read', { root: 'workspace', path, encoding: 'utf8' }),
        'ROKU_CAPABILITY_DENIED',
      );
      expectError(
        await h.request('fs.write', { root: 'workspace', path, data: 'x', encoding: 'utf8' }),
        'ROKU_CAPABILITY_DENIED',
      );
    }
    expectError(await h.request('fs.list', { root: 'workspace', path: 'granted' }), 'ROKU_CAPABILITY_DENIED');
    expect(existsSync(join(outside, 'deep', 'new.txt'))).toBe(false);
  });

  it('replaces a file atomically and keeps its permission bits', async () => {
    const h = harness({ permissions: { filesystem: [{ root: 'workspace', access: 'read-write' }] } });
    const file = join(h.roots.workspace, 'run.sh');
    writeFileSync(file, 'echo old', { mode: 0o750 });
    expectOk(
      await h.request('fs.write', { root: 'workspace', path: 'run.sh', data: 'echo new', encoding: 'utf8' }),
    );
    expect(readFileSync(file, 'utf8')).toBe('echo new');
    expect(statSync(file).mode & 0o777).toBe(0o750);
    const list = expectOk(await h.request('fs.list', { root: 'workspace', path: '' }));
    expect(list.entries).toEqual([{ name: 'run.sh', type: 'file' }]);
  });
});
