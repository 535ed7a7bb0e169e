import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liftQuarantine, listQuarantines, resolveHome } from '@roku/host';
import type { Installer, QuarantineView } from '@roku/host';
import {
  createManifestValidator,
  formatIssues,
  isRokuError,
  MANIFEST_FILE_NAME,
  parseStrictJson,
} from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { safe } from '../agent/render.js';

/** The dev folders of the host config, to list beside installed plugins. */
export interface DevFolders {
  readonly dirs: readonly string[];
  /** Ids a dev folder may take over from an installed plugin (`plugins.devOverrides`). */
  readonly overrides: readonly string[];
}

interface DevRow {
  readonly id: string;
  readonly version: string;
  readonly dir: string;
  /** Set when an installed plugin keeps the id: the folder is not loaded. */
  readonly shadowedBy?: 'installed';
  readonly problem?: string;
}

function devRows(dev: DevFolders, installed: ReadonlySet<string>): DevRow[] {
  // A folder whose manifest the host refuses (e.g. more than 256 tools) never loads: say so here too.
  const validator = dev.dirs.length === 0 ? undefined : createManifestValidator();
  return dev.dirs.map((dir): DevRow => {
    try {
      const file = join(dir, MANIFEST_FILE_NAME);
      const text = readFileSync(file, 'utf8');
      const raw = parseStrictJson(text) as { id?: unknown; version?: unknown };
      const id = typeof raw.id === 'string' ? raw.id : '?';
      const version = typeof raw.version === 'string' ? raw.version : '?';
      const checked = validator?.parse(text);
      if (checked !== undefined && !checked.ok) {
        const problem = `manifest refused, the plugin does not load [ROKU_PLUGIN_MANIFEST_INVALID]: ${formatIssues(file, checked.issues).join('; ')}`;
        return { id, version, dir, problem };
      }
      const shadowed = installed.has(id) && !dev.overrides.includes(id);
      return { id, version, dir, ...(shadowed ? { shadowedBy: 'installed' as const } : {}) };
    } catch (err) {
      return {
        id: '?',
        version: '?',
        dir,
        problem: `no readable ${MANIFEST_FILE_NAME}: ${(err as Error).message}`,
      };
    }
  });
}

/**
 * `roku plugin list`: id, version, enabled and registry of each installed plugin, then the dev folders (a dev
 * folder claiming an installed plugin's id is shown as shadowed: it does not load), and every quarantine.
 */
export async function listCommand(
  io: CliIo,
  installer: Installer,
  json: boolean,
  dev: DevFolders = { dirs: [], overrides: [] },
): Promise<number> {
  const quarantined = new Map(readQuarantines(io).map((q) => [q.id, q]));
  const plugins = (await installer.list()).map((p) => ({
    id: p.id,
    version: p.version,
    enabled: p.enabled,
    registry: p.registry,
    requested: p.requested,
    signer: p.signer,
    quarantine: quarantineJson(quarantined.get(p.id)),
  }));
  const devPlugins = devRows(dev, new Set(plugins.map((p) => p.id)));
  // Quarantined plugins from dev folders or bundled: not installed, but kept out all the same.
  const others = [...quarantined.values()].filter((q) => !plugins.some((p) => p.id === q.id));
  if (json) {
    io.stdout(
      `${JSON.stringify({ ok: true, plugins, devPlugins, quarantined: others.map(quarantineJson) })}\n`,
    );
    return EXIT.ok;
  }
  if (plugins.length === 0 && devPlugins.length === 0 && others.length === 0) {
    io.stdout('no plugins installed\n');
    return EXIT.ok;
  }
  // A quarantined dev folder is shown on its own row; the rest (bundled, or gone from the config) apart.
  const devIds = new Set(devPlugins.filter((d) => d.shadowedBy === undefined).map((d) => d.id));
  const apart = others.filter((q) => !devIds.has(q.id));
  const names = [...plugins, ...devPlugins, ...apart].map((p) => `${p.id}@${p.version}`);
  const width = Math.max(...names.map((n) => n.length));
  for (const p of plugins) {
    const name = `${p.id}@${p.version}`.padEnd(width);
    const state = quarantined.has(p.id) ? 'QUARANTINED' : p.enabled ? 'enabled ' : 'disabled';
    io.stdout(`${name}  ${state}  ${p.registry}\n`);
    const q = quarantined.get(p.id);
    if (q !== undefined) io.stdout(quarantineLines(q));
  }
  for (const q of apart) {
    io.stdout(`${`${q.id}@${q.version}`.padEnd(width)}  QUARANTINED  (${q.origin})\n`);
    io.stdout(quarantineLines(q));
  }
  for (const d of devPlugins) {
    const name = `${d.id}@${d.version}`.padEnd(width);
    const q = d.shadowedBy === undefined ? quarantined.get(d.id) : undefined;
    const status =
      d.problem !== undefined
        ? `broken    ${d.dir}: ${d.problem}`
        : d.shadowedBy !== undefined
          ? `shadowed  dev ${d.dir} (the installed plugin keeps ${d.id}; plugins.devOverrides lets the folder take it)`
          : q !== undefined
            ? `QUARANTINED  dev ${d.dir}`
            : `dev       ${d.dir}`;
    io.stdout(`${name}  ${status}\n`);
    if (q !== undefined) io.stdout(quarantineLines(q));
  }
  return EXIT.ok;
}

/** Quarantines from the agent state; a state that cannot be read is reported, not fatal, for a listing. */
function readQuarantines(io: CliIo): QuarantineView[] {
  try {
    return listQuarantines(resolveHome(io.env));
  } catch (err) {
    io.stderr(`roku: warning: quarantines not shown: ${err instanceof Error ? err.message : String(err)}\n`);
    return [];
  }
}

function quarantineJson(q: QuarantineView | undefined): Record<string, unknown> | null {
  return q === undefined
    ? null
    : { id: q.id, version: q.version, origin: q.origin, reason: q.reason, since: q.since, fix: q.fix };
}

function quarantineLines(q: QuarantineView): string {
  return `  reason: ${safe(q.reason)}\n  fix:    ${q.fix}\n`;
}

/** `roku plugin verify`: exit 1 when an installed file or roku.lock does not match what was installed. */
export async function verifyCommand(io: CliIo, installer: Installer, json: boolean): Promise<number> {
  const report = await installer.verify();
  if (json) {
    io.stdout(`${JSON.stringify(report)}\n`);
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  for (const path of report.repaired ?? []) {
    io.stderr(`roku: finished an interrupted install change: ${path}\n`);
  }
  if (report.ok) {
    io.stdout('ok: every installed plugin matches what was verified at install time\n');
  } else {
    for (const p of report.problems) {
      io.stdout(`${p.kind}  ${p.id}@${p.version}${p.path === undefined ? '' : `  ${p.path}`}\n`);
    }
    io.stderr(`roku: ${report.problems.length} problem(s) found; reinstall the affected plugins\n`);
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}

export async function uninstallCommand(
  io: CliIo,
  installer: Installer,
  id: string,
  json = false,
): Promise<number> {
  await installer.uninstall(id);
  io.stdout(json ? `${JSON.stringify({ ok: true, uninstalled: id })}\n` : `uninstalled ${id}\n`);
  return EXIT.ok;
}

export async function setEnabledCommand(
  io: CliIo,
  installer: Installer,
  id: string,
  enabled: boolean,
  json = false,
): Promise<number> {
  const home = resolveHome(io.env);
  try {
    await installer.setEnabled(id, enabled);
  } catch (err) {
    // `enable` also lifts the quarantine of a plugin that is not installed (a dev folder, a bundled one).
    if (!enabled || !isRokuError(err) || err.code !== 'ROKU_INSTALL_NOT_INSTALLED') throw err;
    if (!(await liftQuarantine(home, id))) throw err;
    io.stdout(
      json
        ? `${JSON.stringify({ ok: true, id, enabled, quarantineLifted: true })}\n`
        : `lifted the quarantine of ${id}\n`,
    );
    return EXIT.ok;
  }
  const lifted = enabled && (await liftQuarantine(home, id));
  io.stdout(
    json
      ? `${JSON.stringify({ ok: true, id, enabled, ...(lifted ? { quarantineLifted: true } : {}) })}\n`
      : `${enabled ? 'enabled' : 'disabled'} ${id}${lifted ? ' (quarantine lifted)' : ''}\n`,
  );
  return EXIT.ok;
}
