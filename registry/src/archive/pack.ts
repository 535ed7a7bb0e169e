import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { ManifestValidator, PluginManifest } from '@roku/schemas';
import { MANIFEST_FILE_NAME, RokuError, createManifestValidator } from '@roku/schemas';
import { computeIntegrity, sha256Hex } from './integrity.js';
import { DEFAULT_ARCHIVE_LIMITS } from './limits.js';
import { entryPath, readManifest } from './manifest.js';
import { comparePaths, packagePathProblem } from './paths.js';
import type { PackageFile } from './types.js';
import { KEY_ROTATION_FILE } from '../signing/key-rotation.js';

/** Options of {@link packPlugin}. */
export interface PackOptions {
  /** Extra files or folders (relative to the plugin folder, no globs) to ship besides the defaults. */
  readonly include?: readonly string[];
  readonly maxFiles?: number;
  readonly maxBytes?: number;
  /** A compiled manifest validator to reuse; one is compiled when omitted. */
  readonly validator?: ManifestValidator;
}

/** A packed plugin version: the archive bytes, their SRI digest, the files inside and the manifest. */
export interface PackedPlugin {
  readonly bytes: Uint8Array;
  /** `sha512-<base64>` of `bytes`. */
  readonly integrity: string;
  /** Every file in the archive, sorted by path. */
  readonly files: readonly PackageFile[];
  readonly manifest: PluginManifest;
}

interface Collected {
  readonly path: string;
  readonly data: Buffer;
}

// gzip header byte 9 names the OS that wrote it; pin it to Unix so every platform writes the same bytes.
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNIX = 3;

class Collector {
  readonly files = new Map<string, Collected>();
  private bytes = 0;

  constructor(
    private readonly root: string,
    private readonly limits: { maxFiles: number; maxBytes: number },
  ) {}

  /** Adds a file, or a folder's files recursively; refuses symlinks and anything that resolves outside root. */
  async add(path: string, optional: boolean): Promise<void> {
    const problem = packagePathProblem(path);
    if (problem !== undefined) throw unsafe(path, problem);
    const absolute = join(this.root, ...path.split('/'));
    const stats = await lstat(absolute).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    });
    if (stats === undefined) {
      if (optional) return;
      throw new RokuError(
        'ROKU_REGISTRY_ENTRY_MISSING',
        `${path}: is not in the plugin folder ${this.root}`,
        {
          details: { path, dir: this.root },
        },
      );
    }
    if (stats.isSymbolicLink()) throw unsafe(path, 'is a symlink');
    // A symlinked parent folder would let a path inside the tree read files outside it.
    if ((await realpath(absolute)) !== absolute) throw unsafe(path, 'resolves outside the plugin folder');
    if (stats.isDirectory()) {
      const names = (await readdir(absolute)).sort(comparePaths);
      for (const name of names) await this.add(`${path}/${name}`, false);
      return;
    }
    if (!stats.isFile()) {
      throw new RokuError(
        'ROKU_REGISTRY_UNSUPPORTED_ENTRY',
        `${path}: is neither a regular file nor a folder`,
        {
          details: { path },
        },
      );
    }
    if (this.files.has(path)) return;
    const data = await readNoFollow(absolute, path);
    this.bytes += data.byteLength;
    if (this.files.size + 1 > this.limits.maxFiles || this.bytes > this.limits.maxBytes) {
      throw new RokuError(
        'ROKU_REGISTRY_ARCHIVE_TOO_LARGE',
        `${this.root}: more than ${this.limits.maxFiles} files or ${this.limits.maxBytes} bytes to pack`,
        { details: { dir: this.root, maxFiles: this.limits.maxFiles, maxBytes: this.limits.maxBytes } },
      );
    }
    this.files.set(path, { path, data });
  }
}

function unsafe(path: string, problem: string): RokuError {
  return new RokuError('ROKU_REGISTRY_UNSAFE_PATH', `${path}: ${problem}`, { details: { path, problem } });
}

async function readNoFollow(absolute: string, path: string): Promise<Buffer> {
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await handle.stat()).isFile()) throw unsafe(path, 'changed into a non-file while packing');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function tarball(files: readonly Collected[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const drained = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: file.path,
          size: file.data.byteLength,
          mode: 0o644,
          mtime: new Date(0),
          uid: 0,
          gid: 0,
          type: 'file',
        },
        file.data,
        (err) => {
          if (err) reject(err);
          else resolve();
        },
      );
    });
  }
  pack.finalize();
  await drained;
  return Buffer.concat(chunks);
}

/**
 * Packs a plugin folder into a deterministic gzipped tar: `roku.plugin.json` first, then the runtime entry,
 * `README.md` and `roku.key-rotation.json` (if present), everything under `assets/` and `include`, sorted by path, with mtime 0, mode 0644,
 * uid/gid 0 and no owner names. The same folder always packs to the same bytes (for a given Node version).
 *
 * @throws ROKU_REGISTRY_MANIFEST_MISSING, ROKU_REGISTRY_MANIFEST_INVALID (validated before anything else).
 * @throws ROKU_REGISTRY_ENTRY_MISSING when the runtime entry or an `include` path does not exist.
 * @throws ROKU_REGISTRY_UNSAFE_PATH for symlinks, `..` or paths resolving outside `dir`;
 *   ROKU_REGISTRY_UNSUPPORTED_ENTRY for FIFOs, sockets and devices.
 * @throws ROKU_REGISTRY_ARCHIVE_TOO_LARGE over `maxFiles` / `maxBytes`.
 * @example
 * const { bytes, integrity } = await packPlugin('plugins/tool-echo');
 */
export async function packPlugin(dir: string, options: PackOptions = {}): Promise<PackedPlugin> {
  const root = await realpath(dir);
  const limits = {
    maxFiles: options.maxFiles ?? DEFAULT_ARCHIVE_LIMITS.maxFiles,
    maxBytes: options.maxBytes ?? DEFAULT_ARCHIVE_LIMITS.maxBytes,
  };
  const collector = new Collector(root, limits);
  try {
    await collector.add(MANIFEST_FILE_NAME, false);
  } catch (err) {
    if ((err as RokuError).code !== 'ROKU_REGISTRY_ENTRY_MISSING') throw err;
    throw new RokuError('ROKU_REGISTRY_MANIFEST_MISSING', `${root}: has no ${MANIFEST_FILE_NAME}`, {
      details: { dir: root },
    });
  }
  const manifestFile = collector.files.get(MANIFEST_FILE_NAME);
  if (manifestFile === undefined) throw unsafe(MANIFEST_FILE_NAME, 'is not a regular file');
  const manifest = readManifest(options.validator ?? createManifestValidator(), manifestFile.data, root);

  await collector.add(entryPath(manifest), false);
  await collector.add('README.md', true);
  // The old key's consent to a new publisher key travels with the package it first applies to.
  await collector.add(KEY_ROTATION_FILE, true);
  await collector.add('assets', true);
  // The Agent Skills folder the manifest declares ships with the code (contributes.skills).
  const skills = manifest.contributes.skills;
  if (skills !== undefined) await collector.add(skills.replace(/\/+$/, ''), false);
  for (const path of options.include ?? []) await collector.add(path.replace(/\/+$/, ''), false);

  const rest = [...collector.files.values()].filter((f) => f.path !== MANIFEST_FILE_NAME);
  rest.sort((a, b) => comparePaths(a.path, b.path));
  const ordered = [manifestFile, ...rest];
  const bytes = gzipSync(await tarball(ordered), { level: 9 });
  bytes[GZIP_OS_BYTE] = GZIP_OS_UNIX;
  const files = ordered
    .map((f) => ({ path: f.path, size: f.data.byteLength, sha256: sha256Hex(f.data) }))
    .sort((a, b) => comparePaths(a.path, b.path));
  return { bytes: new Uint8Array(bytes), integrity: computeIntegrity(bytes), files, manifest };
}
