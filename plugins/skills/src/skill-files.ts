import { RokuError } from '@roku/plugin-api';
import type { FsRoot, PluginContext } from '@roku/plugin-api';
import { parse } from 'yaml';

/**
 * Where skills are found, in order of precedence: the workspace's own first, then the user's; after them the
 * skills shipped by active plugins (`pluginSkillFolders`).
 */
export const SKILL_FOLDERS: readonly SkillFolder[] = [
  { root: 'workspace', path: '.roku/skills', source: 'workspace', shown: '.roku/skills' },
  { root: 'workspace', path: 'skills', source: 'workspace', shown: 'skills' },
  { root: 'skills', path: '', source: 'user', shown: '$ROKU_HOME/skills' },
];

export interface SkillFolder {
  readonly root: FsRoot;
  readonly path: string;
  /**
   * `workspace` (the project's), `user` ($ROKU_HOME/skills, where `roku skill install` puts them), `plugin`
   * (shipped by an active plugin, `contributes.skills`).
   */
  readonly source: 'workspace' | 'user' | 'plugin';
  /** How the folder is named to the model and the user. */
  readonly shown: string;
  /** For `plugin`: the id of the plugin that ships the skill. */
  readonly plugin?: string;
}

/** `@scope+name` (a folder of the plugin-skills root) back to the plugin id `@scope/name`. */
export function pluginIdOf(folder: string): string {
  return folder.replace('+', '/');
}

/** One folder per active plugin that ships skills, as the host lists the plugin-skills root. */
async function pluginSkillFolders(ctx: PluginContext): Promise<SkillFolder[]> {
  let entries: { name: string; type: 'file' | 'dir' }[];
  try {
    entries = await ctx.fs.list('plugin-skills', '');
  } catch {
    // A host without the plugin-skills root (or without the grant) offers no plugin's skills.
    return [];
  }
  return entries
    .filter((e) => e.type === 'dir')
    .map((e) => ({
      root: 'plugin-skills' as const,
      path: e.name,
      source: 'plugin' as const,
      shown: `plugin ${pluginIdOf(e.name)}`,
      plugin: pluginIdOf(e.name),
    }));
}
/** Spec §3.3: a skill document is capped at 128 KiB; the body given to the model at 24 KiB by default. */
export const MAX_SKILL_MD_BYTES = 128 * 1024;
export const DEFAULT_BODY_BYTES = 24 * 1024;
/** Resource files listed for one skill (spec: 24 documents by default, at most 128). */
export const MAX_LISTED_FILES = 128;

export interface SkillInfo {
  readonly name: string;
  readonly description: string;
  /** Folder of the skill below its root. */
  readonly folder: string;
  readonly root: FsRoot;
  readonly source: SkillFolder['source'];
  /** The folder as shown: workspace-relative, under $ROKU_HOME/skills, or `plugin <id>/<folder>`. */
  readonly shown: string;
  /** For skills shipped by a plugin: its id. */
  readonly plugin?: string;
  readonly version?: string;
  readonly license?: string;
}

export interface SkillDocument extends SkillInfo {
  readonly body: string;
}

const decoder = new TextDecoder('utf-8');

function badManifest(path: string, why: string): RokuError {
  return new RokuError('ROKU_SKILL_BAD_MANIFEST', `${path}: ${why}`);
}

/**
 * Splits SKILL.md into its YAML front matter (name, description, version, license) and its Markdown body.
 *
 * @throws ROKU_SKILL_BAD_MANIFEST naming the file and what is missing
 */
export function parseSkillMarkdown(
  path: string,
  folder: Pick<SkillInfo, 'folder' | 'root' | 'source' | 'shown' | 'plugin'>,
  text: string,
): SkillDocument {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text.replace(/^\uFEFF/, ''));
  if (match === null) throw badManifest(path, 'no YAML front matter (a block between --- lines at the top)');
  let meta: unknown;
  try {
    meta = parse(match[1] ?? '');
  } catch (err) {
    throw badManifest(path, `the front matter is not valid YAML: ${(err as Error).message}`);
  }
  const record = (typeof meta === 'object' && meta !== null ? meta : {}) as Record<string, unknown>;
  const name = record.name;
  const description = record.description;
  if (typeof name !== 'string' || name.trim() === '') throw badManifest(path, 'the front matter has no name');
  if (typeof description !== 'string' || description.trim() === '') {
    throw badManifest(path, 'the front matter has no description');
  }
  return {
    name: name.trim(),
    description: description.trim(),
    ...folder,
    ...(typeof record.version === 'string' || typeof record.version === 'number'
      ? { version: String(record.version) }
      : {}),
    ...(typeof record.license === 'string' ? { license: record.license } : {}),
    body: match[2] ?? '',
  };
}

async function listOrEmpty(
  ctx: PluginContext,
  root: FsRoot,
  path: string,
): Promise<{ name: string; type: 'file' | 'dir' }[]> {
  try {
    return await ctx.fs.list(root, path);
  } catch (err) {
    // A workspace without the folder has no skills there.
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_FAILED') return [];
    throw err;
  }
}

/** `folder/name`, or `name` at the root. */
export function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** Reads one skill's SKILL.md. @throws ROKU_SKILL_BAD_MANIFEST */
export async function readSkill(
  ctx: PluginContext,
  where: Pick<SkillInfo, 'folder' | 'root' | 'source' | 'shown' | 'plugin'>,
): Promise<SkillDocument> {
  const path = `${where.shown}/SKILL.md`;
  let bytes: Uint8Array;
  try {
    bytes = await ctx.fs.readBytes(where.root, joinPath(where.folder, 'SKILL.md'));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_LIMIT')
      throw badManifest(path, 'larger than the read limit');
    throw err;
  }
  if (bytes.length > MAX_SKILL_MD_BYTES)
    throw badManifest(path, `${bytes.length} bytes; the cap is ${MAX_SKILL_MD_BYTES}`);
  return parseSkillMarkdown(path, where, decoder.decode(bytes));
}

/**
 * Every skill: sub-folders holding a SKILL.md of the workspace's .roku/skills and skills, then of
 * $ROKU_HOME/skills, then of the active plugins' skills folders. A name found twice keeps its first folder
 * (workspace > user > plugin) and the hidden one is named in `shadowed`; broken SKILL.md files are reported, not
 * fatal. Folders starting with `.` (install records, staging) are skipped.
 */
export async function findSkills(
  ctx: PluginContext,
): Promise<{ skills: SkillInfo[]; problems: string[]; shadowed: string[] }> {
  const skills = new Map<string, SkillInfo>();
  const problems: string[] = [];
  const shadowed: string[] = [];
  for (const base of [...SKILL_FOLDERS, ...(await pluginSkillFolders(ctx))]) {
    for (const entry of await listOrEmpty(ctx, base.root, base.path)) {
      if (entry.type !== 'dir' || entry.name.startsWith('.')) continue;
      const folder = joinPath(base.path, entry.name);
      const files = await listOrEmpty(ctx, base.root, folder);
      if (!files.some((f) => f.type === 'file' && f.name === 'SKILL.md')) continue;
      const where = {
        folder,
        root: base.root,
        source: base.source,
        shown: `${base.shown}/${entry.name}`,
        ...(base.plugin === undefined ? {} : { plugin: base.plugin }),
      };
      try {
        const document = await readSkill(ctx, where);
        const info: SkillInfo = {
          name: document.name,
          description: document.description,
          folder: document.folder,
          root: document.root,
          source: document.source,
          shown: document.shown,
          ...(document.plugin === undefined ? {} : { plugin: document.plugin }),
          ...(document.version === undefined ? {} : { version: document.version }),
          ...(document.license === undefined ? {} : { license: document.license }),
        };
        const first = skills.get(info.name);
        if (first === undefined) skills.set(info.name, info);
        else
          shadowed.push(
            `${info.name}: ${where.shown} (${where.source}) is hidden by ${first.shown} (${first.source}); workspace > user > plugin`,
          );
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return { skills: [...skills.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), problems, shadowed };
}

/** The files of a skill folder (recursively, at most MAX_LISTED_FILES), relative to it. */
export async function skillFiles(ctx: PluginContext, skill: SkillInfo): Promise<string[]> {
  const out: string[] = [];
  const queue = [''];
  while (queue.length > 0 && out.length < MAX_LISTED_FILES) {
    const sub = queue.shift() ?? '';
    for (const entry of await listOrEmpty(ctx, skill.root, joinPath(skill.folder, sub))) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.type === 'dir') queue.push(rel);
      else if (rel !== 'SKILL.md' && out.length < MAX_LISTED_FILES) out.push(rel);
    }
  }
  return out.sort();
}
