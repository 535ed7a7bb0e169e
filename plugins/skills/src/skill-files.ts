import { RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { parse } from 'yaml';

/** Workspace folders whose sub-folders holding a SKILL.md are skills, in order of precedence. */
export const SKILL_FOLDERS = ['.roku/skills', 'skills'] as const;
/** Spec §3.3: a skill document is capped at 128 KiB; the body given to the model at 24 KiB by default. */
export const MAX_SKILL_MD_BYTES = 128 * 1024;
export const DEFAULT_BODY_BYTES = 24 * 1024;
/** Resource files listed for one skill (spec: 24 documents by default, at most 128). */
export const MAX_LISTED_FILES = 128;

export interface SkillInfo {
  readonly name: string;
  readonly description: string;
  /** Workspace-relative folder of the skill. */
  readonly folder: string;
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
export function parseSkillMarkdown(path: string, folder: string, text: string): SkillDocument {
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
    folder,
    ...(typeof record.version === 'string' || typeof record.version === 'number'
      ? { version: String(record.version) }
      : {}),
    ...(typeof record.license === 'string' ? { license: record.license } : {}),
    body: match[2] ?? '',
  };
}

async function listOrEmpty(
  ctx: PluginContext,
  path: string,
): Promise<{ name: string; type: 'file' | 'dir' }[]> {
  try {
    return await ctx.fs.list('workspace', path);
  } catch (err) {
    // A workspace without the folder has no skills there.
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_FAILED') return [];
    throw err;
  }
}

/** Reads one skill's SKILL.md. @throws ROKU_SKILL_BAD_MANIFEST */
export async function readSkill(ctx: PluginContext, folder: string): Promise<SkillDocument> {
  const path = `${folder}/SKILL.md`;
  let bytes: Uint8Array;
  try {
    bytes = await ctx.fs.readBytes('workspace', path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_LIMIT')
      throw badManifest(path, 'larger than the read limit');
    throw err;
  }
  if (bytes.length > MAX_SKILL_MD_BYTES)
    throw badManifest(path, `${bytes.length} bytes; the cap is ${MAX_SKILL_MD_BYTES}`);
  return parseSkillMarkdown(path, folder, decoder.decode(bytes));
}

/**
 * Every skill of the workspace: sub-folders of .roku/skills and skills holding a SKILL.md. A name found twice
 * keeps its first folder; broken SKILL.md files are reported, not fatal.
 */
export async function findSkills(ctx: PluginContext): Promise<{ skills: SkillInfo[]; problems: string[] }> {
  const skills = new Map<string, SkillInfo>();
  const problems: string[] = [];
  for (const base of SKILL_FOLDERS) {
    for (const entry of await listOrEmpty(ctx, base)) {
      if (entry.type !== 'dir') continue;
      const folder = `${base}/${entry.name}`;
      const files = await listOrEmpty(ctx, folder);
      if (!files.some((f) => f.type === 'file' && f.name === 'SKILL.md')) continue;
      try {
        const document = await readSkill(ctx, folder);
        const info: SkillInfo = {
          name: document.name,
          description: document.description,
          folder,
          ...(document.version === undefined ? {} : { version: document.version }),
          ...(document.license === undefined ? {} : { license: document.license }),
        };
        if (!skills.has(info.name)) skills.set(info.name, info);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return { skills: [...skills.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), problems };
}

/** The files of a skill folder (recursively, at most MAX_LISTED_FILES), relative to it. */
export async function skillFiles(ctx: PluginContext, folder: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [''];
  while (queue.length > 0 && out.length < MAX_LISTED_FILES) {
    const sub = queue.shift() ?? '';
    for (const entry of await listOrEmpty(ctx, sub === '' ? folder : `${folder}/${sub}`)) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.type === 'dir') queue.push(rel);
      else if (rel !== 'SKILL.md' && out.length < MAX_LISTED_FILES) out.push(rel);
    }
  }
  return out.sort();
}
