import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { RokuError, isRokuError } from '@roku/schemas';
import { packagePathProblem } from '@roku/registry';

/** Caps of one extraction: entries, extracted bytes and the expansion ratio of an entry past 1 MiB. */
export interface ExtractCaps {
  readonly maxFiles: number;
  readonly maxBytes: number;
  readonly maxRatio: number;
}

const RATIO_FLOOR_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function unsafe(path: string, why: string): RokuError {
  return new RokuError('ROKU_SKILL_ARCHIVE_UNSAFE', `archive: ${JSON.stringify(path)} ${why}`, {
    details: { path },
  });
}

function tooLarge(why: string): RokuError {
  return new RokuError('ROKU_SKILL_ARCHIVE_TOO_LARGE', `archive: ${why}`);
}

/** Opens the zip from memory; yauzl reads the central directory, where entry types (symlinks) are recorded. */
function openZip(bytes: Uint8Array): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true },
      (err, zip) => {
        if (err === null) resolve(zip);
        else reject(err);
      },
    );
  });
}

function entryStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err === null) resolve(stream);
      else reject(err);
    });
  });
}

/** Checks one entry against the rules before anything is written: safe path, plain file or folder, caps. */
function checkEntry(entry: Entry, seen: Set<string>, caps: ExtractCaps, total: number): string {
  const isDir = entry.fileName.endsWith('/');
  const path = isDir ? entry.fileName.slice(0, -1) : entry.fileName;
  const problem = packagePathProblem(path);
  if (problem !== undefined) throw unsafe(path, problem);
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  // Zips made on Windows carry no Unix mode (0): those are plain files or folders.
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw unsafe(path, type === 0o120000 ? 'is a symbolic link' : 'is not a plain file or folder');
  }
  if (entry.isEncrypted()) throw unsafe(path, 'is encrypted');
  const key = path.normalize('NFC').toLowerCase();
  if (seen.has(key)) throw unsafe(path, 'appears more than once in the archive');
  seen.add(key);
  if (seen.size > caps.maxFiles) throw tooLarge(`holds more than ${caps.maxFiles} entries`);
  if (total + entry.uncompressedSize > caps.maxBytes) {
    throw tooLarge(`${path}: extracting it would pass the ${caps.maxBytes} byte cap`);
  }
  if (
    entry.uncompressedSize > RATIO_FLOOR_BYTES &&
    entry.uncompressedSize > Math.max(1, entry.compressedSize) * caps.maxRatio
  ) {
    throw tooLarge(`${path} expands more than ${caps.maxRatio}:1 (a zip bomb)`);
  }
  return path;
}

async function writeEntry(zip: ZipFile, entry: Entry, target: string, caps: ExtractCaps): Promise<number> {
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  // O_EXCL | O_NOFOLLOW: never write through anything that was already there.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o644);
  try {
    let size = 0;
    // validateEntrySizes makes yauzl fail a stream that yields more than the declared size.
    for await (const chunk of await entryStream(zip, entry)) {
      size += (chunk as Buffer).byteLength;
      if (size > caps.maxBytes) throw tooLarge(`passes the ${caps.maxBytes} byte cap`);
      await handle.write(chunk as Buffer);
    }
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * Extracts a zip into the existing empty folder `dest`, every rule checked on each entry before it is written.
 *
 * @throws ROKU_SKILL_ARCHIVE_UNSAFE, ROKU_SKILL_ARCHIVE_TOO_LARGE, ROKU_SKILL_ARCHIVE_CORRUPT
 */
export async function unzipInto(bytes: Uint8Array, dest: string, caps: ExtractCaps): Promise<void> {
  let zip: ZipFile | undefined;
  try {
    zip = await openZip(bytes);
    const opened = zip;
    const seen = new Set<string>();
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      opened.on('error', reject);
      opened.on('end', resolve);
      opened.on('entry', (entry: Entry) => {
        (async () => {
          const path = checkEntry(entry, seen, caps, total);
          const target = join(dest, ...path.split('/'));
          if (entry.fileName.endsWith('/')) await mkdir(target, { recursive: true, mode: 0o755 });
          else total += await writeEntry(opened, entry, target, caps);
          opened.readEntry();
        })().catch(reject);
      });
      opened.readEntry();
    });
  } catch (err) {
    if (isRokuError(err)) throw err;
    // yauzl checks names itself before handing an entry over: those refusals are about safety, not corruption.
    const message = (err as Error).message;
    if (/^(invalid relative path|absolute path|invalid characters in fileName)/.test(message)) {
      throw new RokuError('ROKU_SKILL_ARCHIVE_UNSAFE', `archive: ${message}`, { cause: err });
    }
    throw new RokuError('ROKU_SKILL_ARCHIVE_CORRUPT', `archive: ${(err as Error).message}`, { cause: err });
  } finally {
    zip?.close();
  }
}
