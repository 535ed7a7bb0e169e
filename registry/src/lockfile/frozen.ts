import { isDeepStrictEqual } from 'node:util';
import { RokuError } from '@roku/schemas';
import type { ResolutionPlan } from '../resolve/types.js';
import type { Lockfile } from './types.js';

/** One way an install would change roku.lock. */
export interface LockDifference {
  readonly id: string;
  /** added: not locked yet; removed: locked but no longer needed; changed: `field` differs. */
  readonly kind: 'added' | 'removed' | 'changed';
  readonly field?: 'version' | 'registry' | 'integrity' | 'signer' | 'permissions' | 'dependencies';
  readonly locked?: unknown;
  readonly planned?: unknown;
}

/**
 * Lists how installing `plan` would change `lock`, sorted by id; empty means `--frozen` may proceed.
 * Permissions differ when the manifest now asks for something other than what was granted; the signer
 * differs when no signature of the planned version comes from the locked key.
 */
export function frozenCheck(plan: ResolutionPlan, lock: Lockfile): LockDifference[] {
  const out: LockDifference[] = [];
  const planned = new Map(plan.packages.map((p) => [p.id, p]));
  const ids = [...new Set([...planned.keys(), ...Object.keys(lock.plugins)])].sort();
  for (const id of ids) {
    const p = planned.get(id);
    const l = lock.plugins[id];
    if (p === undefined) {
      out.push({ id, kind: 'removed', locked: l?.version });
      continue;
    }
    if (l === undefined) {
      out.push({ id, kind: 'added', planned: p.version });
      continue;
    }
    const compare = (field: NonNullable<LockDifference['field']>, locked: unknown, now: unknown): void => {
      if (!isDeepStrictEqual(locked, now)) out.push({ id, kind: 'changed', field, locked, planned: now });
    };
    compare('version', l.version, p.version);
    compare('registry', l.registry, p.registry);
    compare('integrity', l.integrity, p.integrity);
    if (l.signer !== null && !p.signatures.some((s) => s.keyId === l.signer)) {
      compare('signer', l.signer, p.signatures[0]?.keyId ?? null);
    }
    compare('permissions', l.permissions, p.manifestSummary.permissions);
    compare('dependencies', l.dependencies, p.manifestSummary.dependencies);
  }
  return out;
}

/**
 * Throws when installing `plan` would change `lock` (what `install --frozen` refuses).
 *
 * @throws ROKU_REGISTRY_LOCK_MISMATCH with every difference in `details.differences`.
 */
export function assertFrozen(plan: ResolutionPlan, lock: Lockfile, lockPath = 'roku.lock'): void {
  const differences = frozenCheck(plan, lock);
  if (differences.length === 0) return;
  const lines = differences.map((d) =>
    d.kind === 'changed'
      ? `${d.id} ${d.field ?? ''} ${JSON.stringify(d.locked)} → ${JSON.stringify(d.planned)}`
      : `${d.id} ${d.kind}`,
  );
  throw new RokuError(
    'ROKU_REGISTRY_LOCK_MISMATCH',
    `${lockPath} is out of date and --frozen forbids changing it: ${lines.join('; ')}`,
    { details: { path: lockPath, differences } },
  );
}
