import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedHostConfig } from '@roku/schemas';
import { discoverCandidates, defaultBundledDir } from './sources.js';

/** The Agent Skills folder one active plugin ships (`contributes.skills`). */
export interface PluginSkillsSource {
  readonly pluginId: string;
  readonly version: string;
  /** Absolute host folder holding the skill folders. */
  readonly dir: string;
}

/** `contributes.skills` of a plugin folder's manifest, or undefined (none, or an unreadable manifest). */
function declaredSkills(dir: string): string | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as {
      contributes?: { skills?: unknown };
    };
    return typeof raw.contributes?.skills === 'string' ? raw.contributes.skills : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The skills folders of the plugins the agent would load now (dev folders, enabled installed plugins, bundled
 * defaults), for `roku skill list`; the running agent takes them from its snapshot instead.
 *
 * @example
 * const sources = await activePluginSkills({ home, config, configFile });
 */
export async function activePluginSkills(options: {
  readonly home: string;
  readonly config: ResolvedHostConfig;
  /** The host config file read, if any: dev folders are relative to its folder. */
  readonly configFile: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): Promise<PluginSkillsSource[]> {
  const { candidates } = await discoverCandidates({
    home: options.home,
    config: options.config,
    configDir: options.configFile === undefined ? options.home : dirname(options.configFile),
    bundledDir: defaultBundledDir(),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const out: PluginSkillsSource[] = [];
  for (const candidate of candidates) {
    const skills = declaredSkills(candidate.dir);
    if (skills !== undefined)
      out.push({ pluginId: candidate.id, version: candidate.version, dir: join(candidate.dir, skills) });
  }
  return out;
}
