import type { StoreContext } from './context.js';
import type { PluginStateRow, Store } from './types.js';

interface Row {
  id: string;
  version: string;
  origin: string;
  status: PluginStateRow['status'];
  problem: string | null;
  quarantine_reason: string | null;
  quarantined_at: number | null;
  updated_at: number;
  quarantine_hash: string | null;
}

function toRow(r: Row): PluginStateRow {
  return {
    id: r.id,
    version: r.version,
    origin: r.origin,
    status: r.status,
    problem: r.problem,
    quarantineReason: r.quarantine_reason,
    quarantinedAt: r.quarantined_at,
    updatedAt: r.updated_at,
    quarantineHash: r.quarantine_hash,
  };
}

export function createPluginStateMethods(
  ctx: StoreContext,
): Pick<
  Store,
  'recordPlugins' | 'quarantinePlugin' | 'releaseQuarantine' | 'listPluginStates' | 'recordPluginFailure'
> {
  const { db } = ctx;
  const list = db.prepare<[], Row>('SELECT * FROM plugin_state ORDER BY id');
  const upsert = db.prepare<[string, string, string, string, string | null, number]>(
    `INSERT INTO plugin_state (id, version, origin, status, problem, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET version = excluded.version, origin = excluded.origin,
       status = CASE WHEN plugin_state.quarantined_at IS NULL THEN excluded.status ELSE 'quarantined' END,
       problem = excluded.problem, updated_at = excluded.updated_at`,
  );
  const dropGone = db.prepare<[string]>(
    `DELETE FROM plugin_state WHERE quarantined_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))`,
  );
  const quarantine = db.prepare<[string, string, string, number, number, string | null]>(
    `INSERT INTO plugin_state (id, version, origin, status, quarantine_reason, quarantined_at, updated_at, quarantine_hash)
     VALUES (?, ?, 'unknown', 'quarantined', ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = 'quarantined', quarantine_reason = excluded.quarantine_reason,
       quarantined_at = excluded.quarantined_at, updated_at = excluded.updated_at,
       quarantine_hash = excluded.quarantine_hash`,
  );
  const insertFailure = db.prepare<[string, string, string, number]>(
    'INSERT INTO plugin_failures (plugin_id, code, message, at) VALUES (?, ?, ?, ?)',
  );
  const pruneFailures = db.prepare<[string, number]>(
    'DELETE FROM plugin_failures WHERE plugin_id = ? AND at <= ?',
  );
  const countFailures = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM plugin_failures WHERE plugin_id = ?',
  );
  const clearFailures = db.prepare<[string]>('DELETE FROM plugin_failures WHERE plugin_id = ?');
  // Every roku process counts into the same rows, so separate runs of a plugin that always fails add up.
  const recordFailure = db.transaction(
    (id: string, reason: { code: string; message: string }, windowMs: number): number => {
      const at = ctx.now();
      pruneFailures.run(id, at - windowMs);
      insertFailure.run(id, reason.code, reason.message.slice(0, 300), at);
      return countFailures.get(id)?.n ?? 1;
    },
  );
  const release = db.prepare<[number, string]>(
    `UPDATE plugin_state SET quarantine_reason = NULL, quarantined_at = NULL, status = 'left-out', updated_at = ?
     WHERE id = ? AND quarantined_at IS NOT NULL`,
  );
  const record = db.transaction((rows: Parameters<Store['recordPlugins']>[0]) => {
    const now = ctx.now();
    for (const r of rows) upsert.run(r.id, r.version, r.origin, r.status, r.problem ?? null, now);
    dropGone.run(JSON.stringify(rows.map((r) => r.id)));
  });
  return {
    recordPlugins(rows) {
      record.immediate(rows);
    },
    quarantinePlugin(id, version, reason, contentHash) {
      const now = ctx.now();
      quarantine.run(id, version, reason, now, now, contentHash ?? null);
      clearFailures.run(id);
    },
    releaseQuarantine(id) {
      clearFailures.run(id);
      return release.run(ctx.now(), id).changes > 0;
    },
    recordPluginFailure: (id, reason, windowMs) => recordFailure.immediate(id, reason, windowMs),
    listPluginStates() {
      return list.all().map(toRow);
    },
  };
}
