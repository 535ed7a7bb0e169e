import { RokuError } from '@roku/schemas';
import type { ApplyStep, InstallPlan, Installer } from '@roku/host';
import type { PackageSpec } from '@roku/registry';
import { EXIT } from '../../io.js';
import { describePlan, needsConsent, planJson } from './describe.js';
import type { LifecycleIo } from './prompt.js';
import { confirm, interactive, showProgress } from './prompt.js';

export interface InstallFlags {
  readonly yes: boolean;
  readonly frozen: boolean;
  readonly allowDowngrade: boolean;
  readonly allowUnsigned: readonly string[];
  readonly acceptNewKey: readonly string[];
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** What happens next after each step, as the progress line says it. */
const NEXT_WORDS: Partial<Record<ApplyStep, string>> = {
  fetched: 'verifying',
  verified: 'extracting',
  placed: 'placed',
  committed: 'committed',
};

function denied(message: string, ids: readonly string[]): RokuError {
  return new RokuError('ROKU_INSTALL_DENIED', message, { details: { ids } });
}

/** Asks for consent when the plan needs it; throws ROKU_INSTALL_DENIED unless granted. */
async function consent(io: LifecycleIo, plan: InstallPlan, flags: InstallFlags, verb: string): Promise<void> {
  if (!needsConsent(plan) || flags.yes) return;
  const ids = plan.installs.filter((i) => i.action !== 'unchanged').map((i) => i.package.id);
  if (!interactive(io)) {
    throw denied(
      `${ids.join(', ')}: not ${verb}: standard input is not a terminal, so nobody can grant the permissions above; rerun with --yes to grant them`,
      ids,
    );
  }
  if (flags.json) io.stderr(describePlan(plan));
  if (!(await confirm(io, 'Allow? [y/N] ')))
    throw denied(`${ids.join(', ')}: not ${verb}: permission refused`, ids);
}

/**
 * Plans, shows each plugin's action and new permissions in plain words, asks for consent and applies.
 * Shared by `install` and `update`; `verb` names the operation in messages.
 */
export async function installSpecs(
  io: LifecycleIo,
  installer: Installer,
  specs: readonly (string | PackageSpec)[],
  flags: InstallFlags,
  verb: 'installed' | 'updated',
): Promise<number> {
  const progress = showProgress(io) && !flags.json;
  if (progress) io.stderr(`resolving ${specs.map((s) => (typeof s === 'string' ? s : s.id)).join(', ')}\n`);
  const plan = await installer.plan(specs, { frozen: flags.frozen, allowDowngrade: flags.allowDowngrade });
  if (!flags.json) io.stdout(describePlan(plan));
  if (flags.dryRun) {
    if (flags.json) io.stdout(`${JSON.stringify({ ok: true, dryRun: true, plan: planJson(plan) })}\n`);
    return EXIT.ok;
  }
  await consent(io, plan, flags, verb);
  const changed = plan.installs.some((i) => i.action !== 'unchanged');
  if (changed) {
    if (progress)
      io.stderr(
        `downloading ${plan.installs
          .filter((i) => i.action !== 'unchanged')
          .map((i) => i.package.id)
          .join(', ')}\n`,
      );
    await installer.apply(plan, {
      grant: () => true,
      allowUnsigned: flags.allowUnsigned,
      acceptNewKey: flags.acceptNewKey,
      onProgress: (step, id) => {
        const words = NEXT_WORDS[step];
        if (progress && words !== undefined) io.stderr(`${words}${id === undefined ? '' : ` ${id}`}\n`);
      },
    });
  }
  if (flags.json) {
    io.stdout(`${JSON.stringify({ ok: true, dryRun: false, changed, plan: planJson(plan) })}\n`);
  } else {
    io.stdout(
      changed
        ? `${verb} ${plan.installs.filter((i) => i.action !== 'unchanged').length} plugin(s)\n`
        : 'already up to date\n',
    );
  }
  return EXIT.ok;
}

/** The specs `update` plans: the named installed plugins (or every requested one) at their latest tag. */
export async function updateSpecs(
  installer: Installer,
  ids: readonly string[],
  all: boolean,
): Promise<PackageSpec[]> {
  if (ids.length === 0 && !all)
    throw new RokuError('ROKU_CLI_USAGE', 'update: name the plugins to update, or pass --all');
  if (ids.length > 0 && all)
    throw new RokuError('ROKU_CLI_USAGE', 'update: pass plugin ids or --all, not both');
  const installed = await installer.list();
  const known = new Set(installed.map((p) => p.id));
  for (const id of ids) {
    if (!known.has(id)) {
      throw new RokuError('ROKU_INSTALL_NOT_INSTALLED', `${id}: is not installed, so it cannot be updated`, {
        details: { id },
      });
    }
  }
  const chosen = all ? installed.filter((p) => p.requested).map((p) => p.id) : ids;
  return chosen.map((id) => ({ id, range: undefined, tag: 'latest' }));
}
