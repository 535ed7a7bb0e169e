import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir as sharedTempDir } from '@roku/test-support';
import { main } from '../../src/index.js';
import type { CliIo } from '../../src/index.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp folder `roku-test-author-<name>-…`, removed after the test (or the file, when made outside a test). */
export function tempDir(name: string): string {
  return sharedTempDir(`author-${name}`);
}

/** Runs the CLI in-process with its own ROKU_HOME and working folder. */
export async function run(
  args: string[],
  options: { home: string; cwd?: string; env?: Record<string, string> },
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ROKU_HOME: options.home, ...options.env },
    cwd: options.cwd ?? repo,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the JSON shape they expect
export function parse<T>(result: RunResult): T {
  return JSON.parse(result.stdout) as T;
}

/** A copy of the built tool-echo example (manifest, built entry, README) in a fresh folder. */
export function echoPluginCopy(): string {
  const dir = join(tempDir('plugin'), 'tool-echo');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const source = join(repo, 'examples/tool-echo');
  for (const file of ['roku.plugin.json', 'README.md', 'dist/plugin.js']) {
    copyFileSync(join(source, file), join(dir, file));
  }
  return dir;
}

/** Stops the given child processes (SIGTERM) and waits until each has exited; the list is emptied. */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) {
            done();
            return;
          }
          child.once('exit', () => {
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
