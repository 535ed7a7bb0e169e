import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import { tempDir } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;
let workspace: string;

beforeAll(async () => {
  host = await createTestHost();
  workspace = host.workspace;
  plugin = await host.load(dir);
  mkdirSync(join(workspace, 'src/lib'), { recursive: true });
  writeFileSync(join(workspace, 'README.md'), '# Demo\nHello, wörld.\n');
  writeFileSync(join(workspace, 'src/index.ts'), 'export const x = 1;\n');
});
afterAll(() => host.close());

const failed = (pluginCode: string, text?: string) => ({
  code: 'ROKU_PLUGIN_FAILED',
  details: { pluginCode },
  ...(text === undefined ? {} : { message: expect.stringContaining(text) as unknown }),
});

describe('read_file', () => {
  it('reads a workspace text file with its size', async () => {
    expect(await plugin.callTool('read_file', { path: './README.md' })).toEqual({
      path: 'README.md',
      content: '# Demo\nHello, wörld.\n',
      bytes: 22,
      truncated: false,
    });
  });

  it('cuts long files at maxBytes, never inside a character, and says how much it showed', async () => {
    writeFileSync(join(workspace, 'long.txt'), `ab€${'z'.repeat(100_000)}`);
    const cut = await plugin.callTool('read_file', { path: 'long.txt', maxBytes: 4 });
    expect(cut).toEqual({
      path: 'long.txt',
      content: 'ab\n[truncated: 2 of 100005 bytes shown]',
      bytes: 100_005,
      truncated: true,
    });
    const byDefault = (await plugin.callTool('read_file', { path: 'long.txt' })) as { content: string };
    expect(byDefault.content).toMatch(/\n\[truncated: 65536 of 100005 bytes shown\]$/);
  });

  it('clamps a maxBytes above the 262144-byte cap and says so in the result (spec check 6)', async () => {
    writeFileSync(join(workspace, 'big.txt'), 'y'.repeat(300 * 1024));
    const read = (await plugin.callTool('read_file', { path: 'big.txt', maxBytes: 1_000_000 })) as {
      content: string;
      truncated: boolean;
      note?: string;
    };
    expect(read.truncated).toBe(true);
    expect(read.content).toMatch(/\n\[truncated: 262144 of 307200 bytes shown\]$/);
    expect(read.note).toBe('maxBytes 1000000 is over the 262144-byte cap; clamped to 262144');
    const within = (await plugin.callTool('read_file', { path: 'big.txt', maxBytes: 10 })) as {
      note?: string;
    };
    expect(within.note).toBeUndefined();
  });

  it('explains missing, binary and too large files', async () => {
    await expect(plugin.callTool('read_file', { path: 'nope.txt' })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_FAILED', 'does not exist'),
    );
    writeFileSync(join(workspace, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    await expect(plugin.callTool('read_file', { path: 'image.png' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_BINARY_FILE', 'binary file'),
    );
    writeFileSync(join(workspace, 'huge.log'), 'x'.repeat(5 * 1024 * 1024));
    await expect(plugin.callTool('read_file', { path: 'huge.log' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_FILE_TOO_LARGE', 'larger than 4194304 bytes'),
    );
  });
});

describe('paths', () => {
  it('gives clear errors for absolute paths and .. segments', async () => {
    await expect(plugin.callTool('read_file', { path: '/etc/passwd' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_ABSOLUTE_PATH', 'relative to the workspace'),
    );
    await expect(plugin.callTool('read_file', { path: 'C:/Windows/win.ini' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_ABSOLUTE_PATH'),
    );
    await expect(plugin.callTool('write_file', { path: 'src/../../x', content: 'x' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_PARENT_PATH', "'..'"),
    );
    await expect(plugin.callTool('list_dir', { path: '..' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_PARENT_PATH'),
    );
    await expect(plugin.callTool('read_file', { path: './' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_BAD_PATH', 'not a file'),
    );
  });

  it('cannot follow a symbolic link out of the workspace', async () => {
    const outside = tempDir('outside');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(workspace, 'escape'));
    await expect(plugin.callTool('read_file', { path: 'escape/secret.txt' })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_DENIED'),
    );
  });
});

describe('list_dir', () => {
  it('lists the workspace root and sub folders sorted by name, with types', async () => {
    const root = (await plugin.callTool('list_dir', {})) as { path: string; entries: { name: string }[] };
    expect(root.path).toBe('.');
    expect(root.entries).toContainEqual({ name: 'README.md', type: 'file' });
    expect(root.entries).toContainEqual({ name: 'src', type: 'dir' });
    const names = root.entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(await plugin.callTool('list_dir', { path: 'src/' })).toEqual({
      path: 'src',
      entries: [
        { name: 'index.ts', type: 'file' },
        { name: 'lib', type: 'dir' },
      ],
      total: 2,
      truncated: false,
    });
  });

  it('returns at most 200 entries and says how many there are', async () => {
    mkdirSync(join(workspace, 'many'));
    for (let i = 0; i < 250; i++)
      writeFileSync(join(workspace, 'many', `f${String(i).padStart(3, '0')}.txt`), '');
    const listing = (await plugin.callTool('list_dir', { path: 'many' })) as {
      entries: { name: string }[];
      total: number;
      truncated: boolean;
    };
    expect(listing.entries).toHaveLength(200);
    expect(listing.entries[0]?.name).toBe('f000.txt');
    expect(listing.entries.at(-1)?.name).toBe('f199.txt');
    expect(listing).toMatchObject({ total: 250, truncated: true });
  });
});

describe('write_file', () => {
  it('creates a file with its folders and returns its size', async () => {
    expect(await plugin.callTool('write_file', { path: 'out/notes/today.md', content: 'héllo\n' })).toEqual({
      path: 'out/notes/today.md',
      bytes: 7,
    });
    expect(readFileSync(join(workspace, 'out/notes/today.md'), 'utf8')).toBe('héllo\n');
  });

  it('replaces by default and appends when asked, creating the file if needed', async () => {
    await plugin.callTool('write_file', { path: 'log.txt', content: 'one\n' });
    await plugin.callTool('write_file', { path: 'log.txt', content: 'two\n' });
    expect(
      await plugin.callTool('write_file', { path: 'log.txt', content: 'three\n', append: true }),
    ).toEqual({
      path: 'log.txt',
      bytes: 10,
    });
    expect(readFileSync(join(workspace, 'log.txt'), 'utf8')).toBe('two\nthree\n');
    await plugin.callTool('write_file', { path: 'fresh/new.txt', content: 'first', append: true });
    expect(readFileSync(join(workspace, 'fresh/new.txt'), 'utf8')).toBe('first');
  });

  it('keeps a byte order mark when appending, and refuses to append to a binary file', async () => {
    writeFileSync(join(workspace, 'bom.txt'), '\uFEFFa');
    await plugin.callTool('write_file', { path: 'bom.txt', content: 'b', append: true });
    expect(readFileSync(join(workspace, 'bom.txt'))).toEqual(Buffer.from('\uFEFFab'));
    await expect(
      plugin.callTool('write_file', { path: 'image.png', content: 'x', append: true }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_BINARY_FILE'));
  });

  it('refuses to write over a folder', async () => {
    await expect(plugin.callTool('write_file', { path: 'src', content: 'x' })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_FAILED', 'is a directory'),
    );
  });
});
