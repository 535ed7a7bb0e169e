import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { RokuError, dynamicErrorCode } from '@roku/schemas';
import type { SqlReply, SqlRequest, SqlResult, SqlStatement } from './sql-protocol.js';

/** A process left without statements for this long exits; the next statement starts another. */
export const SQL_IDLE_MS = 30_000;

/** The compiled SQL process entry; tests run from src/ but always fork the built one. */
export function sqlWorkerPath(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return join(root, 'dist', 'capabilities', 'sql', 'sql-worker.js');
}

export interface SqlDatabaseOptions {
  /** The database file (created with its folder on first use). */
  readonly file: string;
  /** The most the file may hold; writes past it fail with ROKU_CAPABILITY_QUOTA_EXCEEDED. */
  readonly maxBytes: number;
  readonly logger: Logger;
}

/** One plugin's database, served by a child process of its own. */
export interface SqlDatabase {
  /**
   * Runs one statement, or several in one transaction (`batch`), within `timeoutMs` (past it the process is
   * killed and the statement fails; the database rolls back what it did).
   *
   * @throws ROKU_SQL_TIMEOUT, ROKU_SQL_ERROR, ROKU_SQL_CORRUPT, ROKU_CAPABILITY_DENIED,
   *   ROKU_CAPABILITY_QUOTA_EXCEEDED, ROKU_CAPABILITY_UNAVAILABLE (closed or not built)
   */
  run(statements: readonly SqlStatement[], batch: boolean, timeoutMs: number): Promise<SqlResult[]>;
  close(): void;
}

interface Pending {
  readonly resolve: (reply: SqlReply) => void;
  readonly reject: (error: RokuError) => void;
}

/** Opens (lazily) the database of one plugin identity. */
export function openSqlDatabase(options: SqlDatabaseOptions): SqlDatabase {
  let child: ChildProcess | undefined;
  let idle: NodeJS.Timeout | undefined;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, Pending>();
  // Statements run one at a time: the process is single-threaded, and a timeout must blame the right one.
  let queue: Promise<unknown> = Promise.resolve();

  const stop = (why: string): void => {
    const current = child;
    child = undefined;
    if (current === undefined) return;
    current.kill('SIGKILL');
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new RokuError('ROKU_CAPABILITY_FAILED', `SQL process for ${options.file} stopped: ${why}`));
    }
  };

  const start = (): ChildProcess => {
    if (child !== undefined) return child;
    const entry = sqlWorkerPath();
    if (!existsSync(entry)) {
      throw new RokuError('ROKU_CAPABILITY_UNAVAILABLE', `the SQL process is not built: ${entry}`);
    }
    const proc = spawn(
      process.execPath,
      ['--max-old-space-size=64', '--no-warnings', entry, options.file, String(options.maxBytes)],
      // The plugin's database needs nothing of the host's environment.
      { env: { NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    proc.on('message', (reply: SqlReply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      p?.resolve(reply);
    });
    proc.on('exit', (code, signal) => {
      if (child === proc) {
        options.logger.warn({ file: options.file, code, signal }, 'sql process exited');
        stop('it exited');
      }
    });
    // Neither the process nor its channel keeps the host alive; the child exits when the host goes.
    proc.unref();
    proc.channel?.unref();
    child = proc;
    return proc;
  };

  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (pending.size === 0) child?.disconnect();
      child = undefined;
    }, SQL_IDLE_MS);
    idle.unref();
  };

  const send = (
    statements: readonly SqlStatement[],
    batch: boolean,
    timeoutMs: number,
  ): Promise<SqlResult[]> =>
    new Promise<SqlReply>((resolve, reject) => {
      if (closed) throw new RokuError('ROKU_CAPABILITY_UNAVAILABLE', 'the SQL database is closed');
      clearTimeout(idle);
      const proc = start();
      const id = nextId++;
      const timer = setTimeout(() => {
        if (!pending.has(id)) return;
        pending.delete(id);
        options.logger.warn({ file: options.file, timeoutMs }, 'sql statement timed out; process killed');
        stop('a statement timed out');
        reject(
          new RokuError(
            'ROKU_SQL_TIMEOUT',
            `the SQL statement ran longer than ${timeoutMs} ms (permissions.capabilities.sql.statementTimeoutMs) and was stopped`,
          ),
        );
      }, timeoutMs);
      pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: SqlRequest = { id, batch, statements };
      proc.send(request);
    }).then((reply) => {
      armIdle();
      if (reply.ok) return [...reply.results];
      throw new RokuError(dynamicErrorCode(reply.error.code), reply.error.message);
    });

  return {
    run(statements, batch, timeoutMs) {
      const result = queue.then(() => send(statements, batch, timeoutMs));
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      closed = true;
      clearTimeout(idle);
      const current = child;
      child = undefined;
      current?.disconnect();
    },
  };
}
