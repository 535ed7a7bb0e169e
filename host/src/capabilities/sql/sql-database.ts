import type { Logger } from 'pino';
import { RokuError, dynamicErrorCode } from '@roku/schemas';
import { spawnSqlProcess } from './sql-process.js';
import type { SqlProcess } from './sql-process.js';
import type { SqlReply, SqlRequest, SqlResult, SqlStatement } from './sql-protocol.js';

/** A process left without statements for this long exits; the next statement starts another. */
export const SQL_IDLE_MS = 30_000;

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
  let child: SqlProcess | undefined;
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
    current.proc.kill('SIGKILL');
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new RokuError('ROKU_CAPABILITY_FAILED', `SQL process for ${options.file} stopped: ${why}`));
    }
  };

  const start = (): SqlProcess => {
    if (child !== undefined) return child;
    const started = spawnSqlProcess(options.file, options.maxBytes, (reply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      p?.resolve(reply);
    });
    started.proc.on('exit', (code, signal) => {
      if (child === started) {
        options.logger.warn({ file: options.file, code, signal }, 'sql process exited');
        stop('it exited');
      }
    });
    child = started;
    return started;
  };

  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (pending.size === 0) child?.proc.disconnect();
      child = undefined;
    }, SQL_IDLE_MS);
    idle.unref();
  };

  const send = async (
    statements: readonly SqlStatement[],
    batch: boolean,
    timeoutMs: number,
  ): Promise<SqlResult[]> => {
    if (closed) throw new RokuError('ROKU_CAPABILITY_UNAVAILABLE', 'the SQL database is closed');
    clearTimeout(idle);
    const { proc, ready } = start();
    await ready;
    const reply = await new Promise<SqlReply>((resolve, reject) => {
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
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: SqlRequest = { id, batch, statements };
      proc.send(request);
    });
    armIdle();
    if (reply.ok) return [...reply.results];
    throw new RokuError(dynamicErrorCode(reply.error.code), reply.error.message);
  };

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
      current?.proc.disconnect();
    },
  };
}
