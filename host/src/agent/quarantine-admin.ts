import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { signalPluginChange } from '../install/change-signal.js';
import { createStore } from '../store/index.js';
import type { PluginStateRow } from '../store/types.js';

/** A quarantined plugin as `roku plugin list` and `roku plugin enable` see it. */
export interface QuarantineView {
  readonly id: string;
  readonly version: string;
  /** installed | dev | bundled | unknown */
  readonly origin: string;
  readonly reason: string;
  readonly since: number;
  /** What lifts it. */
  readonly fix: string;
}

function withStore<T>(home: string, use: (rows: ReturnType<typeof createStore>) => T): T | undefined {
  const file = join(home, 'state', 'roku.db');
  // No state yet: nothing was ever quarantined (and a listing must not create the database).
  if (!existsSync(file)) return undefined;
  const store = createStore({ file, traceDir: join(home, 'traces') });
  try {
    return use(store);
  } finally {
    store.close();
  }
}

function view(row: PluginStateRow): QuarantineView {
  const rebuild = row.origin === 'dev' ? ' (or rebuild it: changed content lifts it too)' : '';
  return {
    id: row.id,
    version: row.version,
    origin: row.origin,
    reason: row.quarantineReason ?? 'quarantined',
    since: row.quarantinedAt ?? row.updatedAt,
    fix: `after fixing it, lift the quarantine with roku plugin enable ${row.id}${rebuild}`,
  };
}

/** The plugins quarantined in `home`'s agent state, whatever their source (installed, dev folder, bundled). */
export function listQuarantines(home: string): QuarantineView[] {
  return (
    withStore(home, (store) =>
      store
        .listPluginStates()
        .filter((r) => r.quarantinedAt !== null)
        .map(view),
    ) ?? []
  );
}

/**
 * Lifts a plugin's quarantine in `home`'s agent state and tells running hosts (they reload without it);
 * false when it was not quarantined.
 */
export async function liftQuarantine(home: string, id: string): Promise<boolean> {
  const lifted = withStore(home, (store) => store.releaseQuarantine(id)) ?? false;
  if (lifted) await signalPluginChange(home, { kind: 'enable', ids: [id] });
  return lifted;
}
