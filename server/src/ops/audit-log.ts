import type { ServerDb } from '../state/db.js';

/** Who did what: runs started, approvals decided, plugins installed and permissions granted, every denial. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  /** `token:<id>` (its name in details), `system`, or `host` for denials the agent made. */
  readonly actor: string;
  /** e.g. run.start, run.cancel, approval.approve, approval.reject, plugin.install, auth.denied, tool.denied */
  readonly action: string;
  readonly outcome: 'ok' | 'denied' | 'failed';
  readonly sessionId: string | null;
  readonly runId: string | null;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly target: string | null;
  readonly details: unknown;
}

export type AuditInput = Omit<
  AuditEntry,
  'seq' | 'at' | 'details' | 'sessionId' | 'runId' | 'requestId' | 'traceId' | 'target'
> &
  Partial<Pick<AuditEntry, 'sessionId' | 'runId' | 'requestId' | 'traceId' | 'target' | 'details'>>;

export interface AuditQuery {
  readonly action?: string;
  readonly actor?: string;
  readonly outcome?: string;
  readonly sessionId?: string;
  readonly runId?: string;
  /** Entries with a seq after this one (the cursor of the previous page). */
  readonly after?: number;
  readonly since?: number;
  readonly limit?: number;
}

export interface AuditLog {
  /**
   * Records an entry. Entries of one turn of the event loop are written together, in one transaction, right
   * after it (a run start no longer pays a commit of its own); `query` and `flush` write what is pending first.
   */
  record(entry: AuditInput): void;
  query(query: AuditQuery): AuditEntry[];
  /** Writes pending entries now (before the database closes). */
  flush(): void;
}

interface Row {
  seq: number;
  at: number;
  actor: string;
  action: string;
  outcome: AuditEntry['outcome'];
  session_id: string | null;
  run_id: string | null;
  request_id: string | null;
  trace_id: string | null;
  target: string | null;
  details: string | null;
}

export function createAuditLog(db: ServerDb, now: () => number = Date.now): AuditLog {
  const insert = db.prepare(
    `INSERT INTO audit (at, actor, action, outcome, session_id, run_id, request_id, trace_id, target, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  type Pending = [number, string, string, string, ...(string | null)[]];
  let pending: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const writeAll = db.transaction((rows: Pending[]) => {
    for (const row of rows) insert.run(...row);
  });
  const flush = (): void => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    writeAll(rows);
  };
  return {
    flush,
    record(e) {
      scheduled ??= setImmediate(flush);
      pending.push([
        now(),
        e.actor,
        e.action,
        e.outcome,
        e.sessionId ?? null,
        e.runId ?? null,
        e.requestId ?? null,
        e.traceId ?? null,
        e.target ?? null,
        e.details === undefined ? null : JSON.stringify(e.details),
      ]);
    },
    query(q) {
      flush();
      const where: string[] = [];
      const args: (string | number)[] = [];
      const eq = (column: string, value: string | undefined): void => {
        if (value === undefined) return;
        where.push(`${column} = ?`);
        args.push(value);
      };
      eq('action', q.action);
      eq('actor', q.actor);
      eq('outcome', q.outcome);
      eq('session_id', q.sessionId);
      eq('run_id', q.runId);
      if (q.after !== undefined) {
        where.push('seq > ?');
        args.push(q.after);
      }
      if (q.since !== undefined) {
        where.push('at >= ?');
        args.push(q.since);
      }
      const sql = `SELECT * FROM audit ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY seq LIMIT ?`;
      const rows = db.prepare<(string | number)[], Row>(sql).all(...args, q.limit ?? 100);
      return rows.map((r) => ({
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        outcome: r.outcome,
        sessionId: r.session_id,
        runId: r.run_id,
        requestId: r.request_id,
        traceId: r.trace_id,
        target: r.target,
        details: r.details === null ? null : (JSON.parse(r.details) as unknown),
      }));
    },
  };
}
