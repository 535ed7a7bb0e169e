import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { packPlugin, unpackPlugin } from '../../src/index.js';
import { writePlugin, writeTree } from './fixtures.js';

const LIMITS = { maxFiles: 100, maxBytes: 1024 * 1024 };
const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;

describe('packPlugin', () => {
  it('packs the manifest, the entry, the README and assets, and nothing else', async () => {
    const dir = await writePlugin(tempDir('pack'));
    const packed = await packPlugin(dir);
    expect(packed.files.map((f) => f.path)).toEqual([
      'README.md',
      'assets/icons/small.png',
      'assets/logo.svg',
      'dist/plugin.js',
      'roku.plugin.json',
    ]);
    expect(packed.manifest.id).toBe('@acme/hello');
    expect(packed.integrity).toBe(`sha512-${createHash('sha512').update(packed.bytes).digest('base64')}`);
    const readme = packed.files.find((f) => f.path === 'README.md');
    expect(readme).toEqual({
      path: 'README.md',
      size: 8,
      sha256: createHash('sha256').update('# hello\n').digest('hex'),
    });
  });

  it('round-trips through unpackPlugin to the same files and bytes', async () => {
    const dir = await writePlugin(tempDir('pack'));
    const packed = await packPlugin(dir);
    const dest = join(tempDir('pack'), 'pkg');
    const unpacked = await unpackPlugin(packed.bytes, dest, {
      ...LIMITS,
      expectedIntegrity: packed.integrity,
    });
    expect(unpacked.files).toEqual(packed.files);
    expect(unpacked.manifest).toEqual(packed.manifest);
    expect(await readFile(join(dest, 'assets/icons/small.png'))).toEqual(
      await readFile(join(dir, 'assets/icons/small.png')),
    );
  });

  it('writes a tar with mtime 0, mode 0644, uid/gid 0, no owner names and the manifest first', async () => {
    const dir = await writePlugin(tempDir('pack'));
    const tar = gunzipSync((await packPlugin(dir)).bytes);
    const header = tar.subarray(0, 512);
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/\0+$/, '');
    expect(field(0, 100)).toBe('roku.plugin.json');
    expect(field(100, 8)).toBe('000644 ');
    expect(field(108, 8)).toBe('000000 ');
    expect(field(116, 8)).toBe('000000 ');
    expect(field(136, 12)).toBe('00000000000 ');
    expect(field(265, 32)).toBe('');
    expect(field(297, 32)).toBe('');
  });

  it('packs the same folder to the same digest, whatever the file times and creation order', async () => {
    const first = await writePlugin(tempDir('pack'));
    const second = tempDir('pack');
    await writeTree(second, { 'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n' });
    await writePlugin(second);
    // Different file times in each copy, set explicitly rather than by waiting between writes.
    for (const [root, time] of [
      [first, new Date('2001-01-01')],
      [second, new Date('2024-06-30')],
    ] as const) {
      for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) await utimes(join(entry.parentPath, entry.name), time, time);
      }
    }
    const a = await packPlugin(first);
    const b = await packPlugin(second);
    expect(b.integrity).toBe(a.integrity);
    expect(Buffer.from(b.bytes)).toEqual(Buffer.from(a.bytes));
    expect((await packPlugin(first)).integrity).toBe(a.integrity);
  });

  it('adds the paths given in include', async () => {
    const dir = await writePlugin(tempDir('pack'));
    await writeTree(dir, { LICENSE: 'Apache-2.0\n', 'data/words.txt': 'a\nb\n' });
    const packed = await packPlugin(dir, { include: ['LICENSE', 'data/'] });
    expect(packed.files.map((f) => f.path)).toEqual(expect.arrayContaining(['LICENSE', 'data/words.txt']));
  });

  it('refuses a folder without a manifest, and an invalid manifest, before reading anything else', async () => {
    const empty = tempDir('pack');
    await expect(packPlugin(empty)).rejects.toThrow(code('ROKU_REGISTRY_MANIFEST_MISSING'));
    const dir = await writePlugin(tempDir('pack'), { id: 'no-scope' });
    await expect(packPlugin(dir)).rejects.toThrow(code('ROKU_REGISTRY_MANIFEST_INVALID'));
  });

  it('refuses a missing runtime entry', async () => {
    const dir = await writePlugin(tempDir('pack'), { runtime: { type: 'isolate', entry: 'dist/other.js' } });
    await expect(packPlugin(dir)).rejects.toThrow(code('ROKU_REGISTRY_ENTRY_MISSING'));
  });

  it('refuses a symlink, even one that points inside the folder', async () => {
    const dir = await writePlugin(tempDir('pack'));
    await symlink(join(dir, 'README.md'), join(dir, 'assets/readme-link.md'));
    await expect(packPlugin(dir)).rejects.toThrow(code('ROKU_REGISTRY_UNSAFE_PATH'));
  });

  it('refuses a symlinked assets folder that leads outside the plugin folder', async () => {
    const outside = tempDir('pack');
    await writeTree(outside, { 'secret.txt': 'secret' });
    const dir = await writePlugin(tempDir('pack'));
    await rm(join(dir, 'assets'), { recursive: true });
    await symlink(outside, join(dir, 'assets'));
    await expect(packPlugin(dir)).rejects.toThrow(code('ROKU_REGISTRY_UNSAFE_PATH'));
  });

  it('refuses include paths that leave the folder', async () => {
    const dir = await writePlugin(tempDir('pack'));
    await expect(packPlugin(dir, { include: ['../x'] })).rejects.toThrow(code('ROKU_REGISTRY_UNSAFE_PATH'));
    await expect(packPlugin(dir, { include: ['/etc/passwd'] })).rejects.toThrow(
      code('ROKU_REGISTRY_UNSAFE_PATH'),
    );
  });

  it('refuses a FIFO under assets', async () => {
    const dir = await writePlugin(tempDir('pack'));
    execFileSync('mkfifo', [join(dir, 'assets/pipe')]);
    await expect(packPlugin(dir)).rejects.toThrow(code('ROKU_REGISTRY_UNSUPPORTED_ENTRY'));
  });

  it('caps the file count and the total size', async () => {
    const dir = await writePlugin(tempDir('pack'));
    await expect(packPlugin(dir, { maxFiles: 3 })).rejects.toThrow(code('ROKU_REGISTRY_ARCHIVE_TOO_LARGE'));
    await writeFile(join(dir, 'assets/big.bin'), new Uint8Array(4096));
    await expect(packPlugin(dir, { maxBytes: 4000 })).rejects.toThrow(
      code('ROKU_REGISTRY_ARCHIVE_TOO_LARGE'),
    );
  });
});
