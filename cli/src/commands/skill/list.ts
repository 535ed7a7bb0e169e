import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { activePluginSkills, resolveHome } from '@roku/host';
import type { CliIo } from '../../io.js';
import { cliConfig } from '../../config.js';
import { readRecord, skillFrontMatter } from './install.js';

/** Where a listed skill comes from, in order of precedence. */
export type SkillKind = 'workspace' | 'user' | 'plugin';

export interface ListedSkill {
  readonly name: string;
  readonly description: string;
  readonly version?: string;
  readonly kind: SkillKind;
  /** User skills: the source they were installed from; others: their folder. */
  readonly source: string;
  /** Plugin skills: the plugin that ships it. */
  readonly plugin?: string;
  readonly dir: string;
}

export interface SkillListing {
  readonly skills: ListedSkill[];
  /** Skills of the same name hidden by one found first (workspace > user > plugin), said in a sentence. */
  readonly shadowed: string[];
  readonly problems: string[];
}

interface Folder {
  readonly dir: string;
  readonly kind: SkillKind;
  readonly plugin?: string;
}

/** Sub-folders of `dir` with a SKILL.md; a missing `dir` has none. */
async function skillFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if ((await lstat(join(dir, entry.name, 'SKILL.md')).catch(() => undefined))?.isFile() === true)
      out.push(entry.name);
  }
  return out.sort();
}

/**
 * The skills the agent is offered, as the skills plugin finds them: the workspace's (.roku/skills, skills), the
 * user's ($ROKU_HOME/skills) and those of the active plugins, a name found twice kept where first found.
 */
export async function listAllSkills(io: CliIo, configFile: string | undefined): Promise<SkillListing> {
  const userDir = join(resolveHome(io.env), 'skills');
  const folders: Folder[] = [
    { dir: join(io.cwd, '.roku', 'skills'), kind: 'workspace' },
    { dir: join(io.cwd, 'skills'), kind: 'workspace' },
    { dir: userDir, kind: 'user' },
  ];
  const problems: string[] = [];
  try {
    const { config, home } = cliConfig(io, configFile);
    for (const source of await activePluginSkills({ home, config, configFile, env: io.env }))
      folders.push({ dir: source.dir, kind: 'plugin', plugin: source.pluginId });
  } catch (err) {
    problems.push(`plugins' skills not listed: ${(err as Error).message}`);
  }
  const found = new Map<string, ListedSkill>();
  const shadowed: string[] = [];
  for (const folder of folders) {
    for (const name of await skillFolders(folder.dir)) {
      const dir = join(folder.dir, name);
      let meta: ReturnType<typeof skillFrontMatter>;
      try {
        meta = skillFrontMatter(dir, await readFile(join(dir, 'SKILL.md'), 'utf8'));
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
      const record = folder.kind === 'user' ? await readRecord(userDir, name) : undefined;
      const skill: ListedSkill = {
        ...meta,
        kind: folder.kind,
        source: record?.source ?? (folder.kind === 'plugin' ? `plugin ${folder.plugin ?? ''}` : dir),
        ...(folder.plugin === undefined ? {} : { plugin: folder.plugin }),
        dir,
      };
      const first = found.get(meta.name);
      if (first === undefined) found.set(meta.name, skill);
      else
        shadowed.push(
          `${meta.name}: ${dir} (${describe(skill)}) is hidden by ${first.dir} (${describe(first)}); workspace > user > plugin`,
        );
    }
  }
  return { skills: [...found.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), shadowed, problems };
}

function describe(skill: ListedSkill): string {
  return skill.plugin === undefined ? skill.kind : `plugin ${skill.plugin}`;
}
