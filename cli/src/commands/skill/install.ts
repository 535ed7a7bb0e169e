import { lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, copyFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { RokuError, isRokuError } from '@roku/schemas';
import { unpackTarGz } from '@roku/registry';
import { parseGitHubSkillUrl, selectSkillFolder, withDefaultBranch } from './github.js';
import { archiveKind, download } from './source.js';
import { unzipInto } from './unzip.js';
import type { ExtractCaps } from './unzip.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Caps of what one skill may hold once extracted (spec §9.2 leaves them to us; a plugin package's caps). */
export const SKILL_EXTRACT_CAPS: ExtractCaps = { maxFiles: 1000, maxBytes: 64 * 1024 * 1024, maxRatio: 200 };
const MAX_SKILL_MD_BYTES = 128 * 1024;
/** A skill name becomes a folder name: plain, short, no dots first. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
/** Install records live beside the skills; the folder has no SKILL.md, so the plugin never offers it. */
export const RECORDS_FOLDER = '.installed';

export interface InstalledSkill {
  readonly name: string;
  readonly description: string;
  readonly version?: string;
  readonly source: string;
  readonly installedAt: string;
  readonly dir: string;
  readonly files: number;
}

export interface InstallReport extends InstalledSkill {
  /** `installed`, `replaced` (--force) or `unchanged` (same source again: nothing fetched). */
  readonly outcome: 'installed' | 'replaced' | 'unchanged';
}

function invalid(where: string, why: string): RokuError {
  return new RokuError('ROKU_SKILL_INVALID', `${where}: ${why}`, { details: { source: where } });
}

/** Name, description and version from a SKILL.md front matter. @throws ROKU_SKILL_INVALID */
export function skillFrontMatter(
  where: string,
  text: string,
): { name: string; description: string; version?: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text.replace(/^\uFEFF/, ''));
  if (match === null) throw invalid(where, 'SKILL.md has no YAML front matter (a block between --- lines)');
  let meta: unknown;
  try {
    meta = parse(match[1] ?? '');
  } catch (err) {
    throw invalid(where, `SKILL.md front matter is not valid YAML: ${(err as Error).message}`);
  }
  const record = (typeof meta === 'object' && meta !== null ? meta : {}) as Record<string, unknown>;
  const name = typeof record.name === 'string' ? record.name.trim() : '';
  const description = typeof record.description === 'string' ? record.description.trim() : '';
  if (!NAME.test(name)) {
    throw invalid(where, `SKILL.md name ${JSON.stringify(record.name)} is not 1-64 letters, digits, - or _`);
  }
  if (description === '') throw invalid(where, 'SKILL.md front matter has no description');
  const version = record.version;
  return {
    name,
    description,
    ...(typeof version === 'string' || typeof version === 'number' ? { version: String(version) } : {}),
  };
}

/** Copies a local skill folder, refusing links and anything but files and folders, under the same caps. */
async function copyFolder(from: string, to: string, state = { entries: 0, bytes: 0 }): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const name of await readdir(from)) {
    const source = join(from, name);
    const stat = await lstat(source);
    state.entries += 1;
    if (state.entries > SKILL_EXTRACT_CAPS.maxFiles) {
      throw new RokuError(
        'ROKU_SKILL_ARCHIVE_TOO_LARGE',
        `${from}: more than ${SKILL_EXTRACT_CAPS.maxFiles} entries`,
      );
    }
    if (stat.isSymbolicLink()) {
      throw new RokuError(
        'ROKU_SKILL_ARCHIVE_UNSAFE',
        `${source}: is a symbolic link; skills hold plain files`,
        {
          details: { path: source },
        },
      );
    }
    if (stat.isDirectory()) await copyFolder(source, join(to, name), state);
    else if (stat.isFile()) {
      state.bytes += stat.size;
      if (state.bytes > SKILL_EXTRACT_CAPS.maxBytes) {
        throw new RokuError(
          'ROKU_SKILL_ARCHIVE_TOO_LARGE',
          `${from}: more than ${SKILL_EXTRACT_CAPS.maxBytes} bytes`,
        );
      }
      await copyFile(source, join(to, name));
    } else throw new RokuError('ROKU_SKILL_ARCHIVE_UNSAFE', `${source}: is not a plain file or folder`);
  }
}

/** The folder of the extracted tree holding SKILL.md: its root, or its single top folder (GitHub zips). */
async function skillRoot(tree: string, where: string): Promise<string> {
  const names = await readdir(tree);
  if (names.includes('SKILL.md')) return tree;
  const only = names.length === 1 ? names[0] : undefined;
  if (only !== undefined && (await lstat(join(tree, only))).isDirectory()) {
    if ((await readdir(join(tree, only))).includes('SKILL.md')) return join(tree, only);
  }
  throw invalid(where, 'no SKILL.md at the root or in the single top folder');
}

async function readSkillMd(root: string, where: string): Promise<ReturnType<typeof skillFrontMatter>> {
  const path = join(root, 'SKILL.md');
  const stat = await lstat(path);
  if (!stat.isFile()) throw invalid(where, 'SKILL.md is not a file');
  if (stat.size > MAX_SKILL_MD_BYTES)
    throw invalid(where, `SKILL.md is larger than ${MAX_SKILL_MD_BYTES} bytes`);
  return skillFrontMatter(where, await readFile(path, 'utf8'));
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

/** The install record of `name`, or undefined. */
export async function readRecord(skillsDir: string, name: string): Promise<InstalledSkill | undefined> {
  try {
    return JSON.parse(
      await readFile(join(skillsDir, RECORDS_FOLDER, `${name}.json`), 'utf8'),
    ) as InstalledSkill;
  } catch {
    return undefined;
  }
}

/**
 * Fills `staging` from the source: a folder is copied, an archive (file or URL) extracted safely, a GitHub
 * folder taken out of the repository's codeload tarball.
 */
async function stage(
  source: string,
  options: { readonly cwd: string; readonly maxArchiveBytes: number; readonly env: Env },
  staging: string,
): Promise<string> {
  const { cwd, maxArchiveBytes: maxArchive } = options;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const parsed = parseGitHubSkillUrl(source, options.env);
    if (parsed !== undefined) {
      const github = await withDefaultBranch(parsed, options.env);
      const tarball = await download(github.tarball, maxArchive);
      let files: readonly unknown[];
      try {
        ({ files } = await unpackTarGz(tarball, staging, {
          ...SKILL_EXTRACT_CAPS,
          select: selectSkillFolder(github.path),
        }));
      } catch (err) {
        throw fromRegistry(err);
      }
      if (files.length === 0) {
        throw invalid(
          source,
          `${github.path === '' ? 'the repository' : github.path} has no files in ${github.owner}/${github.repo} at ${github.ref}`,
        );
      }
      return source;
    }
    const bytes = await download(source, maxArchive);
    await extract(bytes, source, staging);
    return source;
  }
  const path = resolve(cwd, source);
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined)
    throw new RokuError('ROKU_SKILL_UNSUPPORTED_SOURCE', `${source}: no such file or folder`);
  if (stat.isDirectory()) {
    await copyFolder(path, staging);
    return path;
  }
  if (!stat.isFile()) throw new RokuError('ROKU_SKILL_UNSUPPORTED_SOURCE', `${source}: not a file or folder`);
  if (stat.size > maxArchive) {
    throw new RokuError(
      'ROKU_SKILL_ARCHIVE_TOO_LARGE',
      `${source}: the archive is larger than ${maxArchive} bytes`,
    );
  }
  await extract(await readFile(path), source, staging);
  return path;
}

async function extract(bytes: Uint8Array, where: string, staging: string): Promise<void> {
  if (archiveKind(bytes, where) === 'zip') {
    await mkdir(staging, { mode: 0o755 });
    await unzipInto(bytes, staging, SKILL_EXTRACT_CAPS);
    return;
  }
  try {
    await unpackTarGz(bytes, staging, SKILL_EXTRACT_CAPS);
  } catch (err) {
    throw fromRegistry(err);
  }
}

/** The registry's archive codes, said as skill codes (the message already names the entry). */
function fromRegistry(err: unknown): unknown {
  if (!isRokuError(err)) return err;
  const code =
    err.code === 'ROKU_REGISTRY_ARCHIVE_TOO_LARGE'
      ? 'ROKU_SKILL_ARCHIVE_TOO_LARGE'
      : err.code === 'ROKU_REGISTRY_ARCHIVE_CORRUPT'
        ? 'ROKU_SKILL_ARCHIVE_CORRUPT'
        : 'ROKU_SKILL_ARCHIVE_UNSAFE';
  return new RokuError(code, err.message, { cause: err, details: { registryCode: err.code } });
}

/**
 * Installs a skill into `<skillsDir>/<name>`: staged in a temporary folder beside it, checked, then moved in
 * with a rename, so a failed install leaves nothing and a replacement is never half-written. The same source
 * again is a repeat install: nothing is fetched. Another source for an installed name needs `force`.
 *
 * @throws ROKU_SKILL_* naming the source and what is wrong
 */
export async function installSkill(
  skillsDir: string,
  source: string,
  options: {
    readonly cwd: string;
    readonly force: boolean;
    readonly maxArchiveBytes: number;
    /** Where GitHub's bases may be moved (ROKU_GITHUB_BASE …); none by default. */
    readonly env?: Env;
  },
): Promise<InstallReport> {
  await mkdir(join(skillsDir, RECORDS_FOLDER), { recursive: true });
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? source : resolve(options.cwd, source);
  const records = await readdir(join(skillsDir, RECORDS_FOLDER));
  for (const file of records) {
    const record = await readRecord(skillsDir, basename(file, '.json'));
    if (record?.source !== absolute || options.force) continue;
    if ((await lstat(record.dir).catch(() => undefined)) !== undefined)
      return { ...record, outcome: 'unchanged' };
  }
  const work = await mkdtemp(join(skillsDir, '.staging-'));
  try {
    const staging = join(work, 'tree');
    const from = await stage(source, { ...options, env: options.env ?? {} }, staging);
    const root = await skillRoot(staging, source);
    const meta = await readSkillMd(root, source);
    const dir = join(skillsDir, meta.name);
    const existing = await lstat(dir).catch(() => undefined);
    const before = await readRecord(skillsDir, meta.name);
    if (existing !== undefined && !options.force) {
      throw new RokuError(
        'ROKU_SKILL_EXISTS',
        `skill ${meta.name} is already installed from ${before?.source ?? dir}; pass --force to replace it with ${source}`,
        { details: { name: meta.name, installedFrom: before?.source } },
      );
    }
    const record: InstalledSkill = {
      ...meta,
      source: from,
      installedAt: new Date().toISOString(),
      dir,
      files: await countFiles(root),
    };
    // Replace: the old folder moves aside first, so at every moment `dir` is a complete skill or absent.
    if (existing !== undefined) await rename(dir, join(work, 'old'));
    await rename(root, dir);
    await writeFile(
      join(skillsDir, RECORDS_FOLDER, `${meta.name}.json`),
      `${JSON.stringify(record, null, 2)}\n`,
    );
    return { ...record, outcome: existing === undefined ? 'installed' : 'replaced' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes an installed skill and its record. @throws ROKU_SKILL_NOT_INSTALLED */
export async function removeSkill(skillsDir: string, name: string): Promise<void> {
  const dir = join(skillsDir, name);
  if (!NAME.test(name) || (await lstat(dir).catch(() => undefined)) === undefined) {
    throw new RokuError(
      'ROKU_SKILL_NOT_INSTALLED',
      `skill ${JSON.stringify(name)} is not installed in ${skillsDir}`,
    );
  }
  const trash = await mkdtemp(join(skillsDir, '.staging-'));
  await rename(dir, join(trash, 'old'));
  await rm(trash, { recursive: true, force: true });
  await rm(join(skillsDir, RECORDS_FOLDER, `${name}.json`), { force: true });
}
