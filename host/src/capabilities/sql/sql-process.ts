import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RokuError } from '@roku/schemas';
import type { SqlReply } from './sql-protocol.js';

/** How long the SQL process may take to start (not counted in a statement's timeout). */
const START_TIMEOUT_MS = 15_000;

/** The compiled SQL process entry; tests run from src/ but always fork the built one. */
export function sqlWorkerPath(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return join(root, 'dist', 'capabilities', 'sql', 'sql-worker.js');
}

export interface SqlProcess {
  readonly proc: ChildProcess;
  /** Resolves once the process says it is up; rejects when it exits or takes longer than 15 s. */
  readonly ready: Promise<void>;
}

/**
 * Starts the process that holds the database `file` (at most `maxBytes`), with none of the host's environment.
 * It neither keeps the host alive nor outlives it (it exits when its channel closes).
 *
 * @throws ROKU_CAPABILITY_UNAVAILABLE when the host is not built
 */
export function spawnSqlProcess(
  file: string,
  maxBytes: number,
  onReply: (reply: SqlReply) => void,
): SqlProcess {
  const entry = sqlWorkerPath();
  if (!existsSync(entry)) {
    throw new RokuError('ROKU_CAPABILITY_UNAVAILABLE', `the SQL process is not built: ${entry}`);
  }
  const proc = spawn(
    process.execPath,
    ['--max-old-space-size=64', '--no-warnings', entry, file, String(maxBytes)],
    { env: { NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const ready = new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => {
      reject(new RokuError('ROKU_CAPABILITY_FAILED', `the SQL process for ${file} ${why}`));
    };
    const timer = setTimeout(() => {
      fail(`did not start in ${START_TIMEOUT_MS} ms`);
    }, START_TIMEOUT_MS);
    proc.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.once('exit', () => {
      clearTimeout(timer);
      fail('exited at start');
    });
  });
  ready.catch(() => undefined);
  proc.on('message', (message: SqlReply | { ready: true }) => {
    if ('id' in message) onReply(message);
  });
  proc.unref();
  proc.channel?.unref();
  return { proc, ready };
}
