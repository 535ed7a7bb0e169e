import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so readers see the old or the new content, even after a crash or power loss: the bytes go
 * to a temporary sibling that is fsynced, then renamed over the target, then the folder is fsynced.
 */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** Fsyncs a folder so a rename inside it is durable; platforms that cannot open folders are skipped. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Folder fsync is unsupported on some platforms (Windows); the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

export function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENOENT';
}
