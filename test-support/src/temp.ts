import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Every temp folder's name starts with this, so that a leak is easy to spot (and to count) in the OS temp dir. */
export const TEMP_PREFIX = 'roku-test-';

/** Folders made outside a test (in beforeAll or while collecting), removed after the test file. */
const fileScoped = new Set<string>();

const remove = (dir: string): Promise<void> =>
  rm(dir, { recursive: true, force: true, maxRetries: 3 }).finally(() => fileScoped.delete(dir));

// Registered when a test file first imports this module (vitest evaluates modules per test file), so it runs
// after the file's own afterAll hooks, which may still use the folders (hooks run in stack order).
afterAll(async () => {
  await Promise.all([...fileScoped].map(remove));
});
// Backstop for a worker that ends without running afterAll (a crash, a bail-out).
process.once('exit', () => {
  for (const dir of fileScoped) rmSync(dir, { recursive: true, force: true });
});

/**
 * Makes a fresh folder `roku-test-<name>-XXXXXX` in the OS temp dir and removes it (recursively) when the test
 * that made it finishes, after its afterEach hooks. Made outside a test (in beforeAll, or at the top of a
 * file), it is removed after the file's tests. Use it for every temp folder a test needs, including ROKU_HOME
 * and workspaces handed to child processes.
 *
 * @example
 * const home = tempDir('install-home');
 */
export function tempDir(name = 'dir'): string {
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${name}-`));
  try {
    onTestFinished(() => remove(dir));
  } catch {
    // Not inside a test: onTestFinished refuses, so the folder lives as long as the file's tests.
    fileScoped.add(dir);
  }
  return dir;
}
