import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { packPlugin, unpackPlugin } from '../../src/index.js';
import type { RawEntry } from './fixtures.js';
import { rawArchive, rawTar, validEntries, writePlugin } from './fixtures.js';

const LIMITS = { maxFiles: 100, maxBytes: 1024 * 1024 };
const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;

/** A gzipped tar holding one file of `size` zero bytes, streamed so the test never holds it uncompressed. */
async function zeroBomb(size: number): Promise<Uint8Array> {
  const pack = tar.pack();
  const compressed = buffer(pack.pipe(createGzip({ level: 9 })));
  const sink = pack.entry({ name: 'bomb.bin', size, mtime: new Date(0) });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= chunk.length) {
    if (!sink.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(sink, 'drain');
  }
  sink.end(undefined);
  pack.finalize();
  return new Uint8Array(await compressed);
}

describe('unpackPlugin', () => {
  const dest = (): string => join(tempDir('unpack'), 'pkg');

  async function refuses(entries: RawEntry[], expected: string, limits = LIMITS): Promise<string> {
    const target = dest();
    await expect(unpackPlugin(await rawArchive(entries), target, limits)).rejects.toThrow(code(expected));
    await expect(stat(target)).rejects.toThrow(expect.objectContaining({ code: 'ENOENT' }));
    return target;
  }

  it('extracts a hand-built valid archive with folders', async () => {
    const target = dest();
    const entries = [...validEntries(), { header: { name: 'assets/', type: 'directory' as const } }];
    const unpacked = await unpackPlugin(await rawArchive(entries), target, LIMITS);
    expect(unpacked.files.map((f) => f.path)).toEqual(['dist/plugin.js', 'roku.plugin.json']);
    expect((await readdir(target)).sort()).toEqual(['assets', 'dist', 'roku.plugin.json']);
    expect((await stat(join(target, 'dist/plugin.js'))).mode & 0o777).toBe(0o644);
  });

  it('checks the integrity of the exact bytes before writing anything', async () => {
    const packed = await packPlugin(await writePlugin(tempDir('unpack')));
    const tampered = new Uint8Array(packed.bytes);
    tampered[tampered.length - 20]! ^= 1;
    const target = dest();
    await expect(
      unpackPlugin(tampered, target, { ...LIMITS, expectedIntegrity: packed.integrity }),
    ).rejects.toThrow(code('ROKU_REGISTRY_INTEGRITY'));
    await expect(stat(target)).rejects.toThrow();
  });

  it('accepts the sha256 SRI form and refuses a malformed integrity string', async () => {
    const packed = await packPlugin(await writePlugin(tempDir('unpack')));
    const sha256 = `sha256-${createHash('sha256').update(packed.bytes).digest('base64')}`;
    await unpackPlugin(packed.bytes, dest(), { ...LIMITS, expectedIntegrity: sha256 });
    await expect(
      unpackPlugin(packed.bytes, dest(), { ...LIMITS, expectedIntegrity: 'md5-abc' }),
    ).rejects.toThrow(code('ROKU_REGISTRY_BAD_INTEGRITY'));
  });

  it('refuses a destination that already exists and leaves it alone', async () => {
    const packed = await packPlugin(await writePlugin(tempDir('unpack')));
    const target = dest();
    await mkdir(target);
    await expect(unpackPlugin(packed.bytes, target, LIMITS)).rejects.toThrow(
      code('ROKU_REGISTRY_DEST_EXISTS'),
    );
    expect((await stat(target)).isDirectory()).toBe(true);
  });

  it.each([
    ['a zip-slip ../ path', '../evil.js'],
    ['a nested zip-slip path', 'assets/../../evil.js'],
    ['an absolute path', '/tmp/evil.js'],
    ['a backslash path', 'assets\\..\\evil.js'],
    ['a drive-letter path', 'C:/evil.js'],
    ['a ./ segment', './roku.plugin.json2'],
  ])('refuses %s', async (_what, name) => {
    const target = await refuses(
      [...validEntries(), { header: { name }, body: 'evil' }],
      'ROKU_REGISTRY_UNSAFE_PATH',
    );
    await expect(stat(join(target, '..', 'evil.js'))).rejects.toThrow();
  });

  it('refuses a symlink entry', async () => {
    await refuses(
      [...validEntries(), { header: { name: 'assets/passwd', type: 'symlink', linkname: '/etc/passwd' } }],
      'ROKU_REGISTRY_UNSUPPORTED_ENTRY',
    );
  });

  it('refuses a hardlink entry', async () => {
    await refuses(
      [...validEntries(), { header: { name: 'assets/copy.js', type: 'link', linkname: 'dist/plugin.js' } }],
      'ROKU_REGISTRY_UNSUPPORTED_ENTRY',
    );
  });

  it.each(['fifo', 'character-device', 'block-device', 'contiguous-file'] as const)(
    'refuses a %s entry',
    async (type) => {
      await refuses(
        [...validEntries(), { header: { name: 'assets/dev', type, devmajor: 1, devminor: 3 }, body: '' }],
        'ROKU_REGISTRY_UNSUPPORTED_ENTRY',
      );
    },
  );

  it('refuses a duplicate path, including one that differs only in case', async () => {
    await refuses(
      [...validEntries(), { header: { name: 'dist/plugin.js' }, body: 'evil' }],
      'ROKU_REGISTRY_DUPLICATE_ENTRY',
    );
    await refuses(
      [...validEntries(), { header: { name: 'DIST/Plugin.js' }, body: 'evil' }],
      'ROKU_REGISTRY_DUPLICATE_ENTRY',
    );
  });

  it('refuses a file standing where a folder is needed', async () => {
    await refuses(
      [...validEntries(), { header: { name: 'dist/plugin.js/x' }, body: 'evil' }],
      'ROKU_REGISTRY_DUPLICATE_ENTRY',
    );
  });

  it('refuses more entries than maxFiles', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ header: { name: `assets/${i}.txt` }, body: 'x' }));
    await refuses([...validEntries(), ...many], 'ROKU_REGISTRY_ARCHIVE_TOO_LARGE', {
      maxFiles: 4,
      maxBytes: 1 << 20,
    });
  });

  it('refuses more uncompressed bytes than maxBytes', async () => {
    const big = { header: { name: 'assets/big.bin' }, body: new Uint8Array(8192).fill(7) };
    await refuses([...validEntries(), big], 'ROKU_REGISTRY_ARCHIVE_TOO_LARGE', {
      maxFiles: 10,
      maxBytes: 4096,
    });
  });

  describe('an archive bomb of 1 GiB of zeros', () => {
    let bomb: Uint8Array;
    beforeAll(async () => {
      bomb = await zeroBomb(1024 * 1024 * 1024);
    }, 120_000);

    it('is refused by the byte cap from its header, before any of it is written', async () => {
      expect(bomb.byteLength).toBeLessThan(2 * 1024 * 1024);
      const target = dest();
      const err: unknown = await unpackPlugin(bomb, target, LIMITS).catch((e: unknown) => e);
      expect(err).toEqual(code('ROKU_REGISTRY_ARCHIVE_TOO_LARGE'));
      await expect(stat(target)).rejects.toThrow();
    });

    it('is stopped by the gzip expansion ratio while streaming when the byte cap would allow it', async () => {
      const target = dest();
      const err: unknown = await unpackPlugin(bomb, target, { maxFiles: 10, maxBytes: 4 * 1024 ** 3 }).catch(
        (e: unknown) => e,
      );
      expect(err).toEqual(code('ROKU_REGISTRY_ARCHIVE_TOO_LARGE'));
      const details = (err as { details: { limit: string; inflated: number } }).details;
      expect(details.limit).toBe('ratio');
      // Measured against the compressed bytes read so far, the bomb is stopped after a few MiB, not 1 GiB.
      expect(details.inflated).toBeLessThan(32 * 1024 * 1024);
      await expect(stat(target)).rejects.toThrow();
    });
  });

  it('refuses an archive without roku.plugin.json', async () => {
    await refuses([{ header: { name: 'dist/plugin.js' }, body: 'x' }], 'ROKU_REGISTRY_MANIFEST_MISSING');
  });

  it('refuses a manifest in a subfolder only', async () => {
    const [manifestEntry, entry] = validEntries();
    await refuses(
      [{ ...manifestEntry!, header: { name: 'pkg/roku.plugin.json' } }, entry!],
      'ROKU_REGISTRY_MANIFEST_MISSING',
    );
  });

  it('refuses an invalid manifest and reports its issues', async () => {
    const target = dest();
    const archive = await rawArchive(validEntries({ version: 'one' }));
    const err: unknown = await unpackPlugin(archive, target, LIMITS).catch((e: unknown) => e);
    expect(err).toEqual(code('ROKU_REGISTRY_MANIFEST_INVALID'));
    expect((err as { details: { issues: { path: string }[] } }).details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/version' })]),
    );
  });

  it('refuses a manifest whose runtime entry is not in the archive', async () => {
    await refuses(validEntries().slice(0, 1), 'ROKU_REGISTRY_ENTRY_MISSING');
  });

  it('refuses bytes that are not gzip, and a truncated archive', async () => {
    await expect(unpackPlugin(new TextEncoder().encode('not gzip'), dest(), LIMITS)).rejects.toThrow(
      code('ROKU_REGISTRY_ARCHIVE_CORRUPT'),
    );
    const tarBytes = await rawTar(validEntries());
    await refusesBytes(gzipSync(tarBytes.subarray(0, 700)), 'ROKU_REGISTRY_ARCHIVE_CORRUPT');
    const gz = gzipSync(tarBytes);
    await refusesBytes(gz.subarray(0, gz.length - 30), 'ROKU_REGISTRY_ARCHIVE_CORRUPT');
  });

  async function refusesBytes(bytes: Uint8Array, expected: string): Promise<void> {
    const target = dest();
    await expect(unpackPlugin(bytes, target, LIMITS)).rejects.toThrow(code(expected));
    await expect(stat(target)).rejects.toThrow();
  }
});
