import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpAfterUse } from './scope.js';

/** Every temp folder's name starts with this, so that a leak is easy to spot (and to count) in the OS temp dir. */
export const TEMP_PREFIX = 'roku-test-';

/** Folders not removed yet: the backstop below removes them if the worker ends without running the hooks. */
const live = new Set<string>();
process.once('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
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
  live.add(dir);
  cleanUpAfterUse(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    live.delete(dir);
  });
  return dir;
}
