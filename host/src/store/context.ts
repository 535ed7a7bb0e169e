import type { Db } from './sqlite.js';

/** What the store's parts share: the connection, the clock and resolved options. */
export interface StoreContext {
  readonly db: Db;
  readonly file: string;
  readonly traceDir: string;
  readonly traceMaxBytes: number;
  readonly traceRetentionDays: number;
  readonly now: () => number;
}

/** Liveness of a process: `process.kill(pid, 0)`; ESRCH means dead, EPERM alive (someone else's process). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  // 0 and negative pids address process groups, never a single owner
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
