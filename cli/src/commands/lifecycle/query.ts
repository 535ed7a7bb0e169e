import { fileURLToPath } from 'node:url';
import { RokuError } from '@roku/schemas';
import { createLocalRegistry, parsePackageSpec, resolve } from '@roku/registry';
import type { IndexDocument, PackageSpec, PlannedPackage, SearchHit } from '@roku/registry';
import { permissionDiff } from '@roku/host';
import type { InstallRegistry, Installer } from '@roku/host';
import { PLUGIN_API_VERSION } from '@roku/plugin-api';
import { cliConfig } from '../../config.js';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { permissionLines } from './describe.js';
import { embeddedRegistryDir, lifecycleRegistries } from './registries.js';

/** A registry as the read-only commands see it; `search` only where the registry supports it. */
interface QueryRegistry extends InstallRegistry {
  readonly search?: (text: string) => Promise<SearchHit[]>;
}

function localSearch(dir: string): (text: string) => Promise<SearchHit[]> {
  return (text) => createLocalRegistry(dir).search(text);
}

/**
 * The registries `install` uses, in the same order, with a search function for the local ones (HTTP
 * registries serve index documents only, so they cannot be searched).
 */
export function queryRegistries(io: CliIo, configFile: string | undefined): QueryRegistry[] {
  const { config } = cliConfig(io, configFile);
  const configured = config.registries ?? [];
  const registries = lifecycleRegistries(io, configured);
  const embedded = registries.length - configured.length;
  return registries.map((registry, index): QueryRegistry => {
    if (index < embedded) {
      return { ...registry, search: localSearch(embeddedRegistryDir(io)) };
    }
    const url = configured[index - embedded]?.url ?? '';
    return url.startsWith('file:') ? { ...registry, search: localSearch(fileURLToPath(url)) } : registry;
  });
}

function requireRegistries(registries: readonly QueryRegistry[]): void {
  if (registries.length === 0) {
    throw new RokuError(
      'ROKU_REGISTRY_NOT_FOUND',
      'no plugin registry is configured: set ROKU_REGISTRY_DIR or add "registries" to the host config',
    );
  }
}

/** The one registry asked for an id: the one listing its scope, else the first (as resolution routes). */
function registryFor(registries: readonly QueryRegistry[], id: string): QueryRegistry | undefined {
  const scope = id.slice(0, id.indexOf('/'));
  return registries.find((r) => r.scopes.includes(scope)) ?? registries[0];
}

/** The version `install <spec>` would pick, or the error code that stops it. */
async function select(
  registries: readonly QueryRegistry[],
  spec: PackageSpec,
): Promise<{ pkg: PlannedPackage } | { error: string; message: string }> {
  try {
    const plan = await resolve([spec], { registries, hostApiVersion: PLUGIN_API_VERSION });
    const pkg = plan.packages.find((p) => p.id === spec.id);
    if (pkg !== undefined) return { pkg };
    return { error: 'ROKU_REGISTRY_NO_MATCH', message: `${spec.id}: nothing selected` };
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (typeof code !== 'string') throw err;
    return { error: code, message: String(message) };
  }
}

/** `roku plugin search <text>`: id, latest version and description from every searchable registry. */
export async function searchCommand(
  io: CliIo,
  registries: readonly QueryRegistry[],
  text: string,
  json: boolean,
): Promise<number> {
  requireRegistries(registries);
  const results: { id: string; version: string; description: string; registry: string }[] = [];
  const skipped: string[] = [];
  for (const registry of registries) {
    if (registry.search === undefined) {
      skipped.push(registry.name);
      continue;
    }
    for (const hit of await registry.search(text)) {
      results.push({
        id: hit.name,
        version: hit.version,
        description: hit.description,
        registry: registry.name,
      });
    }
  }
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, results, skipped })}\n`);
    return EXIT.ok;
  }
  for (const name of skipped) io.stderr(`roku: registry '${name}' does not support search; skipped\n`);
  if (results.length === 0) {
    io.stdout(`no plugins match '${text}'\n`);
    return EXIT.ok;
  }
  const width = Math.max(...results.map((r) => `${r.id}@${r.version}`.length));
  for (const r of results) {
    io.stdout(`${`${r.id}@${r.version}`.padEnd(width)}  ${r.description}  (${r.registry})\n`);
  }
  return EXIT.ok;
}

function versionRows(doc: IndexDocument): { version: string; yanked: boolean; deprecated?: string }[] {
  return Object.entries(doc.versions).map(([version, entry]) => ({
    version,
    yanked: entry.yanked === true,
    ...(entry.deprecated === undefined ? {} : { deprecated: entry.deprecated }),
  }));
}

/** `roku plugin info <id>[@range]`: versions, dist-tags, flags and the selected version's permissions. */
export async function infoCommand(
  io: CliIo,
  registries: readonly QueryRegistry[],
  specText: string,
  json: boolean,
): Promise<number> {
  requireRegistries(registries);
  const spec = parsePackageSpec(specText);
  const registry = registryFor(registries, spec.id);
  const doc = await registry?.source.getDocument(spec.id);
  if (registry === undefined || doc === undefined) {
    throw new RokuError(
      'ROKU_REGISTRY_NOT_FOUND',
      `${spec.id} is not in registry '${registry?.name ?? ''}'`,
      {
        details: { id: spec.id, registry: registry?.name },
      },
    );
  }
  const selected = await select(registries, spec);
  const summary = 'pkg' in selected ? selected.pkg.manifestSummary : undefined;
  const permissions = summary === undefined ? [] : permissionLines(permissionDiff(summary.permissions, {}));
  const versions = versionRows(doc);
  if (json) {
    io.stdout(
      `${JSON.stringify({
        ok: true,
        id: doc.name,
        registry: registry.name,
        distTags: doc.distTags,
        versions,
        selected:
          summary === undefined
            ? null
            : {
                version: summary.version,
                description: summary.description,
                permissions: summary.permissions,
              },
        ...('error' in selected ? { error: { code: selected.error, message: selected.message } } : {}),
      })}\n`,
    );
    return EXIT.ok;
  }
  const lines = [`${doc.name} (registry ${registry.name})`];
  if (summary !== undefined) lines.push(`  ${summary.description}`);
  const tags = Object.entries(doc.distTags).map(([tag, v]) => `${tag}: ${v}`);
  lines.push(`dist-tags: ${tags.join(', ') || 'none'}`, 'versions:');
  for (const v of versions) {
    const flags = [v.yanked ? 'yanked' : '', v.deprecated === undefined ? '' : `deprecated: ${v.deprecated}`];
    const text = flags.filter((f) => f !== '').join(', ');
    lines.push(`  ${v.version}${text === '' ? '' : `  (${text})`}`);
  }
  if (summary === undefined) {
    lines.push(
      `no version of ${specText} can be installed: ${'message' in selected ? selected.message : ''}`,
    );
  } else {
    lines.push(
      `${summary.id}@${summary.version} ${permissions.length === 0 ? 'asks for no permissions' : 'may:'}`,
    );
    lines.push(...permissions.map((p) => `  - ${p}`));
  }
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** `roku plugin outdated`: installed version, the newest installable one and `latest`, per plugin. Exit 0. */
export async function outdatedCommand(
  io: CliIo,
  installer: Installer,
  registries: readonly QueryRegistry[],
  json: boolean,
): Promise<number> {
  const rows: {
    id: string;
    current: string;
    wanted: string | null;
    latest: string | null;
    registry: string;
  }[] = [];
  for (const plugin of await installer.list()) {
    const registry = registries.find((r) => r.name === plugin.registry);
    let latest: string | null = null;
    let wanted: string | null = null;
    if (registry !== undefined) {
      const doc = await registry.source.getDocument(plugin.id).catch(() => undefined);
      latest = doc?.distTags.latest ?? null;
      const picked = await select([registry], { id: plugin.id, range: '*', tag: undefined });
      wanted = 'pkg' in picked ? picked.pkg.version : null;
    }
    rows.push({ id: plugin.id, current: plugin.version, wanted, latest, registry: plugin.registry });
  }
  const outdated = rows.filter((r) => r.wanted !== null && r.wanted !== r.current);
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, plugins: rows, outdated: outdated.map((r) => r.id) })}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout('no plugins installed\n');
    return EXIT.ok;
  }
  const table = [['id', 'current', 'wanted', 'latest', 'registry']].concat(
    rows.map((r) => [r.id, r.current, r.wanted ?? '-', r.latest ?? '-', r.registry]),
  );
  const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
  for (const row of table) {
    io.stdout(
      `${row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  return EXIT.ok;
}
