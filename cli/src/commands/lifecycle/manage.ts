import type { Installer } from '@roku/host';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';

/** `roku plugin list`: id, version, enabled and registry of each installed plugin. */
export async function listCommand(io: CliIo, installer: Installer, json: boolean): Promise<number> {
  const plugins = (await installer.list()).map((p) => ({
    id: p.id,
    version: p.version,
    enabled: p.enabled,
    registry: p.registry,
    requested: p.requested,
    signer: p.signer,
  }));
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, plugins })}\n`);
    return EXIT.ok;
  }
  if (plugins.length === 0) {
    io.stdout('no plugins installed\n');
    return EXIT.ok;
  }
  const width = Math.max(...plugins.map((p) => `${p.id}@${p.version}`.length));
  for (const p of plugins) {
    const name = `${p.id}@${p.version}`.padEnd(width);
    io.stdout(`${name}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.registry}\n`);
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
