import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ErrorObject } from 'ajv';
import { createManifestValidator, pluginSchemaValidator } from '@roku/schemas';
import type { PluginManifest, ResolvedHostConfig } from '@roku/schemas';
import { createAgentRuntime } from '../agent/runtime.js';
import { defaultBundledDir, discoverCandidates } from '../agent/snapshot/sources.js';
import { readPluginManifest } from '../plugins/plugin-folder.js';

/** What the plugin checks look at: the user's own home and configuration, as a run would. */
export interface PluginCheckContext {
  readonly home: string;
  readonly config: ResolvedHostConfig;
  /** The config file, when there is one: relative dev folders are resolved against its folder. */
  readonly configFile?: string;
  readonly workspace: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives what loading the plugins logs (doctor passes a silent one: its report says it all). */
  readonly logger: Logger;
}

/** A finding: `problems` fail the check, `notes` are shown beside it. */
export interface Findings {
  readonly summary: string;
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  /** Plugin ids with a problem, so that a later check does not repeat them. */
  readonly pluginIds: ReadonlySet<string>;
}

function ajvProblem(error: ErrorObject): string {
  const params = error.params as { additionalProperty?: unknown; allowedValues?: unknown };
  const extra =
    typeof params.additionalProperty === 'string'
      ? ` (${JSON.stringify(params.additionalProperty)})`
      : Array.isArray(params.allowedValues)
        ? ` (one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return `${error.message ?? 'is invalid'}${extra}`;
}

/** Problems of one plugin's settings against its manifest's configSchema, each naming the settings path. */
function settingsProblems(manifest: PluginManifest, settings: unknown): string[] {
  const at = `plugins.settings[${JSON.stringify(manifest.id)}]`;
  if (manifest.configSchema === undefined) {
    return settings === undefined || settings === null
      ? []
      : [`${at}: ${manifest.id} takes no settings (its manifest has no configSchema); remove this entry`];
  }
  const validate = pluginSchemaValidator(manifest.configSchema);
  if (validate(settings ?? {})) return [];
  return (validate.errors ?? []).map((e) => `${at}${e.instancePath}: ${ajvProblem(e)}`);
}

/**
 * Checks every enabled plugin's settings (`plugins.settings` of the host config) against the configSchema of
 * the manifest a run would load: dev folders, installed plugins and bundled defaults. No plugin code runs.
 * Settings for a plugin that is not there are a note, not a failure.
 */
export async function checkPluginSettings(ctx: PluginCheckContext): Promise<Findings> {
  const { candidates } = await discoverCandidates({
    home: ctx.home,
    config: ctx.config,
    configDir: ctx.configFile === undefined ? ctx.home : dirname(ctx.configFile),
    bundledDir: defaultBundledDir(),
  });
  const all = (ctx.config.plugins?.settings ?? {}) as Readonly<Record<string, unknown>>;
  const validator = createManifestValidator();
  const problems: string[] = [];
  const pluginIds = new Set<string>();
  let checked = 0;
  for (const candidate of candidates) {
    let manifest: PluginManifest;
    try {
      manifest = readPluginManifest(candidate.dir, validator);
    } catch {
      continue; // a broken manifest is reported by the load check, with the plugin left out
    }
    checked += 1;
    const found = settingsProblems(manifest, all[candidate.id]);
    if (found.length > 0) pluginIds.add(candidate.id);
    problems.push(...found);
  }
  const known = new Set(candidates.map((c) => c.id));
  const notes = Object.keys(all)
    .filter((id) => !known.has(id))
    .map(
      (id) =>
        `plugins.settings[${JSON.stringify(id)}]: no such plugin is installed and enabled, in plugins.devDirs or bundled; these settings are unused`,
    );
  return {
    summary: `settings of ${checked} plugin${checked === 1 ? '' : 's'} match their configSchema`,
    problems,
    notes,
    pluginIds,
  };
}

/**
 * Loads the plugins as a run would (the agent runtime over the user's home, lenient start) and reports those
 * left out (failed to load, failed their health check, quarantined) with the reason, and the snapshot's other
 * warnings as notes.
 */
export async function checkPluginLoad(ctx: PluginCheckContext, skip: ReadonlySet<string>): Promise<Findings> {
  const runtime = await createAgentRuntime({
    config: ctx.config,
    home: ctx.home,
    workspace: ctx.workspace,
    logger: ctx.logger,
    env: ctx.env,
    ...(ctx.configFile === undefined ? {} : { configFile: ctx.configFile }),
  });
  try {
    const info = runtime.snapshotInfo();
    const problems: string[] = [];
    const pluginIds = new Set<string>();
    for (const p of info.plugins) {
      if (p.problem === undefined || skip.has(p.id)) continue;
      pluginIds.add(p.id);
      problems.push(
        p.problem.startsWith('quarantined')
          ? `${p.id}@${p.version} is ${p.problem}; after fixing it, lift the quarantine with roku plugin enable ${p.id}`
          : `${p.id}@${p.version} (${p.source}) is left out: ${p.problem}`,
      );
    }
    // Left-out plugins are listed above; the rest (slot fallbacks, unreadable dev folders) are notes.
    const notes = info.warnings.filter(
      (w) =>
        !w.startsWith('left out: ') &&
        !w.includes(' is quarantined ') &&
        ![...skip].some((id) => w.includes(id)),
    );
    // A plugin whose memory holds fewer calls at once than its concurrency: sessions queue for it.
    for (const p of info.plugins) {
      const boundBy = p.problem === undefined ? p.limits?.boundBy : undefined;
      if (boundBy !== undefined)
        notes.push(`${p.id}: ${boundBy} (its concurrency is ${p.limits?.concurrency})`);
    }
    const loaded = info.plugins.filter((p) => p.problem === undefined).length;
    const leftForSettings = info.plugins.filter((p) => p.problem !== undefined && skip.has(p.id));
    const models =
      info.models.length > 0
        ? `${info.models.length} model${info.models.length === 1 ? '' : 's'}`
        : leftForSettings.length > 0
          ? 'no LLM provider loaded'
          : 'no LLM provider yet (roku plugin install @roku/plugin-provider-scripted for a first try)';
    const left =
      leftForSettings.length === 0
        ? ''
        : `; left out for their settings (see above): ${leftForSettings.map((p) => p.id).join(', ')}`;
    return {
      summary: `${loaded} plugin${loaded === 1 ? '' : 's'} loaded: ${models}, ${info.tools.length} tools; memory ${info.memorySlot || 'none'}, context ${info.contextEngine || 'none'}${left}`,
      problems,
      notes,
      pluginIds,
    };
  } finally {
    await runtime.close();
  }
}
