import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Installer } from '@roku/host';
import { MANIFEST_FILE_NAME, parseStrictJson } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';

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
  return dev.dirs.map((dir): DevRow => {
    try {
      const raw = parseStrictJson(readFileSync(join(dir, MANIFEST_FILE_NAME), 'utf8')) as {
        id?: unknown;
        version?: unknown;
      };
      const id = typeof raw.id === 'string' ? raw.id : '?';
      const version = typeof raw.version === 'string' ? raw.version : '?';
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
 * `roku plugin list`: id, version, enabled and registry of each installed plugin, then the dev folders; a dev
 * folder claiming an installed plugin's id is shown as shadowed (it does not load).
 */
export async function listCommand(
  io: CliIo,
  installer: Installer,
  json: boolean,
  dev: DevFolders = { dirs: [], overrides: [] },
): Promise<number> {
  const plugins = (await installer.list()).map((p) => ({
    id: p.id,
    version: p.version,
    enabled: p.enabled,
    registry: p.registry,
    requested: p.requested,
    signer: p.signer,
  }));
  const devPlugins = devRows(dev, new Set(plugins.map((p) => p.id)));
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, plugins, devPlugins })}\n`);
    return EXIT.ok;
  }
  if (plugins.length === 0 && devPlugins.length === 0) {
    io.stdout('no plugins installed\n');
    return EXIT.ok;
  }
  const rows = [...plugins, ...devPlugins];
  const width = Math.max(...rows.map((p) => `${p.id}@${p.version}`.length));
  for (const p of plugins) {
    const name = `${p.id}@${p.version}`.padEnd(width);
    io.stdout(`${name}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.registry}\n`);
  }
  for (const d of devPlugins) {
    const name = `${d.id}@${d.version}`.padEnd(width);
    const status =
      d.problem !== undefined
        ? `broken    ${d.dir}: ${d.problem}`
        : d.shadowedBy !== undefined
          ? `shadowed  dev ${d.dir} (the installed plugin keeps ${d.id}; plugins.devOverrides lets the folder take it)`
          : `dev       ${d.dir}`;
    io.stdout(`${name}  ${status}\n`);
  }
  return EXIT.ok;
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
  await installer.setEnabled(id, enabled);
  io.stdout(
    json ? `${JSON.stringify({ ok: true, id, enabled })}\n` : `${enabled ? 'enabled' : 'disabled'} ${id}\n`,
  );
  return EXIT.ok;
}
