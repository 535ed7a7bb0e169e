import type { Permissions } from '@roku/registry';

type FsGrant = NonNullable<Permissions['filesystem']>[number];

/** What a plugin asks for beyond what is granted today. Every list is sorted; `empty` when nothing is new. */
export interface PermissionDiff {
  readonly network: readonly string[];
  readonly filesystem: readonly FsGrant[];
  readonly env: readonly string[];
  readonly secrets: readonly string[];
  /** Capabilities as `llm`, `subagents`, `memory:<level>`, `tools:<name>`, `processes:<command>`, `sql:<MiB>`. */
  readonly capabilities: readonly string[];
  readonly empty: boolean;
}

const MEMORY_LEVEL = { none: 0, read: 1, 'read-write': 2 } as const;

function added(requested: readonly string[] | undefined, granted: readonly string[] | undefined): string[] {
  const have = new Set(granted ?? []);
  return [...new Set(requested ?? [])].filter((x) => !have.has(x)).sort();
}

function fsCovered(want: FsGrant, granted: readonly FsGrant[]): boolean {
  return granted.some(
    (g) =>
      g.root === want.root &&
      (g.path ?? '') === (want.path ?? '') &&
      (g.access === 'read-write' || want.access === 'read'),
  );
}

function capabilityList(p: Permissions): Set<string> {
  const c = p.capabilities ?? {};
  const out = new Set<string>();
  if (c.llm === true) out.add('llm');
  if (c.subagents === true) out.add('subagents');
  for (const t of c.tools ?? []) out.add(`tools:${t}`);
  for (const cmd of c.processes ?? []) out.add(`processes:${cmd}`);
  // A larger database quota than granted needs consent again.
  if (c.sql !== undefined) out.add(`sql:${Math.ceil((c.sql.maxBytes ?? 67_108_864) / 1_048_576)}`);
  return out;
}

/**
 * Lists what `requested` adds to `granted`: network origins, filesystem grants (a wider access counts as
 * new), env and secret names and capabilities. Removed permissions never need consent and are not listed.
 */
export function permissionDiff(requested: Permissions, granted: Permissions): PermissionDiff {
  const grantedFs = granted.filesystem ?? [];
  const filesystem = (requested.filesystem ?? [])
    .filter((f) => !fsCovered(f, grantedFs))
    .sort((a, b) => `${a.root}/${a.path ?? ''}`.localeCompare(`${b.root}/${b.path ?? ''}`));
  const have = capabilityList(granted);
  const capabilities = [...capabilityList(requested)].filter((c) => !have.has(c));
  const wantMemory = requested.capabilities?.memory ?? 'none';
  const haveMemory = granted.capabilities?.memory ?? 'none';
  if (MEMORY_LEVEL[wantMemory] > MEMORY_LEVEL[haveMemory]) capabilities.push(`memory:${wantMemory}`);
  capabilities.sort();
  const diff = {
    network: added(requested.network, granted.network),
    filesystem,
    env: added(requested.env, granted.env),
    secrets: added(requested.secrets, granted.secrets),
    capabilities,
  };
  const empty = Object.values(diff).every((list) => list.length === 0);
  return { ...diff, empty };
}
