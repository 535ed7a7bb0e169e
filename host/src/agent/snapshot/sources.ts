import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginManifest, ResolvedHostConfig } from '@roku/schemas';
import { installLayout } from '../../install/layout.js';
import { readState } from '../../install/state.js';
import {
  admitDevFolder,
  admitInstalled,
  fileAdmissionCache,
  requirementsProblem,
  shadowedProblem,
} from '../../install/admission.js';

/** Where a plugin of the snapshot comes from. */
export type PluginOrigin = 'installed' | 'dev' | 'bundled' | 'mcp';

export interface PluginCandidate {
  readonly id: string;
  readonly version: string;
  readonly dir: string;
  readonly origin: PluginOrigin;
  /** Installed plugins run with exactly what the user granted; dev and bundled ones with their manifest's. */
  readonly permissions?: PluginManifest['permissions'];
  /** Installed plugins: the publisher key their storage is bound to ('unsigned' for unsigned installs). */
  readonly publisherKey?: string;
}

/** First-party defaults of the exclusive slots, shipped in the Roku checkout's `plugins/` folder. */
export const BUNDLED_DEFAULTS = {
  memory: { id: '@roku/plugin-memory-session', folder: 'memory-session' },
  context: { id: '@roku/plugin-context-default', folder: 'context-default' },
} as const;

export function defaultBundledDir(): string {
  // A released host carries its slot defaults in its own plugins/ (scripts/pack-release.mjs); a checkout's
  // host/dist/agent/snapshot/sources.js finds them in <checkout>/plugins.
  const packaged = fileURLToPath(new URL('../../../plugins', import.meta.url));
  if (existsSync(packaged)) return packaged;
  return fileURLToPath(new URL('../../../../plugins', import.meta.url));
}

function readVersion(dir: string): { id: string; version: string } | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as {
      id?: unknown;
      version?: unknown;
    };
    return typeof raw.id === 'string' && typeof raw.version === 'string'
      ? { id: raw.id, version: raw.version }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plugins a snapshot is built from, highest precedence first: dev folders (plugin dev mode), then enabled
 * installed plugins, then the bundled slot defaults. A later candidate with an id already seen is skipped.
 */
export async function discoverCandidates(options: {
  readonly home: string;
  readonly config: ResolvedHostConfig;
  readonly configDir: string;
  readonly bundledDir: string;
  /** The environment `requires` is checked against; the process's by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}): Promise<{ candidates: PluginCandidate[]; problems: { id: string; problem: string }[] }> {
  const out: PluginCandidate[] = [];
  const problems: { id: string; problem: string }[] = [];
  const seen = new Set<string>();
  const layout = installLayout(options.home);
  const state = await readState(layout);
  // Admission (spec 8.4-8.5, host/src/install/admission.ts): reserved ids, dev folder checks.
  const overrides = new Set(options.config.plugins?.devOverrides ?? []);
  const bundledIds = new Set<string>(Object.values(BUNDLED_DEFAULTS).map((b) => b.id));
  for (const raw of options.config.plugins?.devDirs ?? []) {
    const dir = isAbsolute(raw) ? raw : resolve(options.configDir, raw);
    const ident = readVersion(dir);
    if (ident === undefined) {
      problems.push({ id: dir, problem: `dev plugin folder ${dir} has no readable roku.plugin.json` });
      continue;
    }
    const owner =
      state.plugins[ident.id] !== undefined ? 'installed' : bundledIds.has(ident.id) ? 'bundled' : '';
    if (owner !== '' && !overrides.has(ident.id)) {
      problems.push({ id: ident.id, problem: shadowedProblem(ident.id, dir, owner) });
      continue;
    }
    const admission = admitDevFolder(dir);
    for (const warning of admission.warnings) problems.push({ id: ident.id, problem: warning });
    if (admission.refused !== undefined) {
      problems.push({ id: ident.id, problem: admission.refused });
      continue;
    }
    if (seen.has(ident.id)) continue;
    seen.add(ident.id);
    out.push({ ...ident, dir, origin: 'dev' });
  }
  const cache = fileAdmissionCache(join(layout.home, 'cache', 'admission.json'));
  for (const id of Object.keys(state.plugins).sort()) {
    const plugin = state.plugins[id];
    if (plugin === undefined || !plugin.enabled || seen.has(id)) continue;
    seen.add(id);
    const refused = admitInstalled(layout.pluginDir(id, plugin.version), plugin, cache).refused;
    if (refused !== undefined) {
      problems.push({ id, problem: refused });
      continue;
    }
    out.push({
      id,
      version: plugin.version,
      dir: layout.pluginDir(id, plugin.version),
      origin: 'installed',
      permissions: plugin.granted,
      publisherKey: plugin.publisherKey ?? plugin.signer ?? 'unsigned',
    });
  }
  cache.save();
  for (const { id, folder } of Object.values(BUNDLED_DEFAULTS)) {
    if (seen.has(id)) continue;
    const dir = join(options.bundledDir, folder);
    const ident = readVersion(dir);
    if (ident === undefined || !existsSync(join(dir, 'dist'))) {
      problems.push({ id, problem: `bundled default ${dir} is missing or not built (run pnpm build)` });
      continue;
    }
    seen.add(id);
    out.push({ ...ident, dir: realpathSync(dir), origin: 'bundled' });
  }
  // Requirements and side effects (spec 8.4 step 5): unmet ones disable the plugin with the reason.
  const allowed = options.config.plugins?.allowSideEffects ?? [];
  const enabled = out.filter((c) => {
    const problem = requirementsProblem(
      c.dir,
      c.id,
      c.origin === 'bundled',
      allowed,
      options.env ?? process.env,
    );
    if (problem !== undefined) problems.push({ id: c.id, problem });
    return problem === undefined;
  });
  return { candidates: enabled, problems };
}
