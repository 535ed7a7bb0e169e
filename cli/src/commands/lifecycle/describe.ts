import { describeNetworkGrants } from '@roku/host';
import type { InstallPlan, PermissionDiff, PlannedInstall } from '@roku/host';
import type { Permissions } from '@roku/registry';

type FsGrant = NonNullable<Permissions['filesystem']>[number];

function fsWords(f: FsGrant): string {
  const where = f.path === undefined || f.path === '' ? `the ${f.root} folder` : `${f.root}/${f.path}`;
  return f.access === 'read-write' ? `read and write ${where}` : `read ${where}`;
}

function capabilityWords(capability: string): string {
  if (capability === 'llm') return 'call the language model';
  if (capability === 'subagents') return 'start subagents';
  if (capability.startsWith('memory:')) return `${capability.slice(7)} access to memory`;
  if (capability.startsWith('tools:')) return `call the tool ${capability.slice(6)}`;
  if (capability.startsWith('processes:')) return `run the command ${capability.slice(10)}`;
  if (capability.startsWith('sql:'))
    return `keep a SQLite database of its own (up to ${capability.slice(4)} MiB)`;
  return capability;
}

/** One plain-words line per permission in `diff`; empty when it adds nothing. */
export function permissionLines(diff: PermissionDiff): string[] {
  return [
    // What each origin really opens: wildcards spelled out, grants a manifest cannot make marked refused.
    ...describeNetworkGrants(diff.network).map((grant) => grant.text),
    ...diff.filesystem.map(fsWords),
    ...diff.env.map((name) => `read the environment variable ${name}`),
    ...diff.secrets.map((name) => `use the secret ${name}`),
    ...diff.capabilities.map(capabilityWords),
  ];
}

function headline(install: PlannedInstall): string {
  const pkg = install.package;
  const from = install.previousVersion === undefined ? '' : ` (from ${install.previousVersion})`;
  const dep = pkg.requested ? '' : `, needed by ${pkg.dependencyOf.join(', ')}`;
  return `${install.action} ${pkg.id}@${pkg.version}${from} from ${pkg.registry}${dep}`;
}

/** The plan in plain words: each plugin's action and what it may newly do. */
export function describePlan(plan: InstallPlan): string {
  const lines: string[] = [];
  for (const warning of plan.resolution.warnings) {
    lines.push(`warning: ${warning.id}@${warning.version}: ${warning.message}`);
  }
  for (const install of plan.installs) {
    lines.push(headline(install));
    if (install.action === 'unchanged') continue;
    const perms = permissionLines(install.diff);
    const isNew = install.previousVersion === undefined;
    if (perms.length === 0) {
      lines.push(isNew ? '  it asks for no permissions' : '  it asks for no new permissions');
    } else {
      lines.push(isNew ? '  it may:' : '  on top of what it may do today, it may also:');
      lines.push(...perms.map((p) => `    - ${p}`));
    }
  }
  if (plan.installs.length === 0) lines.push('nothing to install');
  return `${lines.join('\n')}\n`;
}

/** True when applying needs the user's consent: new code, or more permissions than granted today. */
export function needsConsent(plan: InstallPlan): boolean {
  return plan.installs.some((i) => i.action !== 'unchanged' && (i.action === 'install' || !i.diff.empty));
}

/** The plan as `--json` prints it. */
export function planJson(plan: InstallPlan): unknown[] {
  return plan.installs.map((i) => ({
    id: i.package.id,
    version: i.package.version,
    registry: i.package.registry,
    action: i.action,
    ...(i.previousVersion === undefined ? {} : { previousVersion: i.previousVersion }),
    requested: i.package.requested,
    permissions: {
      network: i.diff.network,
      filesystem: i.diff.filesystem,
      env: i.diff.env,
      secrets: i.diff.secrets,
      capabilities: i.diff.capabilities,
    },
  }));
}
