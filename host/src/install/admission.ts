import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { MANIFEST_FILE_NAME, parseStrictJson } from '@roku/schemas';
import type { InstalledPlugin } from './types.js';

/** Why a plugin folder may not load (`refused`), or what the user should know about it (`warnings`). */
export interface AdmissionResult {
  readonly refused?: string;
  readonly warnings: readonly string[];
}

const WORLD_WRITABLE = 0o002;

/**
 * Hashes verified earlier, by file identity. ctime is part of it: a write or a reset mtime (utimes) always
 * moves ctime, which no user can set, so a cached "verified" never outlives a change to the file.
 */
export interface AdmissionCache {
  get(path: string, identity: string): string | undefined;
  set(path: string, identity: string, sha256: string): void;
  /** Writes the cache back if it changed; failures only cost a re-hash next time. */
  save(): void;
}

type CacheEntries = Record<string, { identity: string; sha256: string }>;

/** No cache: every file is hashed (installs, which check once). */
export function noAdmissionCache(): AdmissionCache {
  return { get: () => undefined, set: () => undefined, save: () => undefined };
}

/** A cache kept in `file` (under ROKU_HOME/cache), shared by every process of one ROKU_HOME. */
export function fileAdmissionCache(file: string): AdmissionCache {
  let entries: CacheEntries = {};
  try {
    const parsed = parseStrictJson(readFileSync(file, 'utf8'), { nullPrototype: true });
    if (typeof parsed === 'object' && parsed !== null) entries = parsed as CacheEntries;
  } catch {
    // Missing or damaged: start empty; everything is hashed again.
  }
  let dirty = false;
  return {
    get: (path, identity) => {
      const entry = entries[path];
      return entry?.identity === identity && typeof entry.sha256 === 'string' ? entry.sha256 : undefined;
    },
    set(path, identity, sha256) {
      entries[path] = { identity, sha256 };
      dirty = true;
    },
    save() {
      if (!dirty) return;
      try {
        mkdirSync(dirname(file), { recursive: true });
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, JSON.stringify(entries));
        renameSync(temp, file);
        dirty = false;
      } catch {
        // A read-only home only loses the speed-up.
      }
    },
  };
}

function identityOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function worldWritable(st: Stats): boolean {
  return process.platform !== 'win32' && (st.mode & WORLD_WRITABLE) !== 0;
}

/** Every entry under `dir`, relative with `/`, directories included (for the world-writable check). */
function walk(dir: string): { path: string; stats: Stats }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
    const full = join(e.parentPath, e.name);
    return { path: relative(dir, full).split(sep).join('/'), stats: lstatSync(full) };
  });
}

/**
 * Admits an installed plugin only when its folder holds exactly the files verified at install time (same
 * sha256, nothing added, no symlinks) and nothing in it is world writable. Hashes are cached by file
 * identity, so an unchanged plugin costs a few `lstat`s.
 */
export function admitInstalled(dir: string, plugin: InstalledPlugin, cache: AdmissionCache): AdmissionResult {
  const name = `${plugin.id}@${plugin.version}`;
  const reinstall = `reinstall it (roku plugin install ${plugin.id}@${plugin.version}); roku plugin verify lists every difference`;
  let root: Stats;
  let entries: { path: string; stats: Stats }[];
  try {
    root = lstatSync(dir);
    entries = walk(dir);
  } catch (err) {
    return {
      refused: `${name}: its folder ${dir} cannot be read (${(err as Error).message}); ${reinstall}`,
      warnings: [],
    };
  }
  const writable = [{ path: '.', stats: root }, ...entries].filter((e) => worldWritable(e.stats));
  if (writable.length > 0) {
    return {
      refused: `${name}: ${join(dir, writable[0]?.path ?? '.')} is world writable, so anyone on this machine could change its code; run chmod -R o-w ${dir}`,
      warnings: [],
    };
  }
  const expected = new Map(plugin.files.map((f) => [f.path, f.sha256]));
  for (const entry of entries) {
    if (entry.stats.isDirectory()) continue;
    if (!expected.has(entry.path)) {
      return { refused: `${name}: ${entry.path} was added after install; ${reinstall}`, warnings: [] };
    }
    if (!entry.stats.isFile()) {
      return { refused: `${name}: ${entry.path} is not a regular file; ${reinstall}`, warnings: [] };
    }
  }
  for (const [path, sha256] of expected) {
    const full = join(dir, ...path.split('/'));
    const entry = entries.find((e) => e.path === path);
    if (entry === undefined) return { refused: `${name}: ${path} is missing; ${reinstall}`, warnings: [] };
    const identity = identityOf(entry.stats);
    let actual = cache.get(full, identity);
    if (actual === undefined) {
      actual = createHash('sha256').update(readFileSync(full)).digest('hex');
      cache.set(full, identity, actual);
    }
    if (actual !== sha256) {
      return { refused: `${name}: ${path} was modified after install; ${reinstall}`, warnings: [] };
    }
  }
  return { warnings: [] };
}

/**
 * Admission of a dev folder (spec §8.5): a manifest that resolves outside its folder is refused; a world
 * writable or symlinked folder or manifest is loaded with a warning.
 */
export function admitDevFolder(dir: string): AdmissionResult {
  const manifest = join(dir, MANIFEST_FILE_NAME);
  const warnings: string[] = [];
  let realDir: string;
  let realManifest: string;
  try {
    realDir = realpathSync(dir);
    realManifest = realpathSync(manifest);
  } catch (err) {
    return { refused: `dev plugin folder ${dir}: ${(err as Error).message}`, warnings };
  }
  if (dirname(realManifest) !== realDir) {
    return {
      refused: `dev plugin folder ${dir}: ${MANIFEST_FILE_NAME} resolves to ${realManifest}, outside the folder; replace the link with the file`,
      warnings,
    };
  }
  for (const [what, path] of [
    ['folder', dir],
    ['manifest', manifest],
  ] as const) {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) warnings.push(`dev plugin ${what} ${path} is a symbolic link`);
    if (worldWritable(lstatSync(what === 'folder' ? realDir : realManifest))) {
      warnings.push(
        `dev plugin ${what} ${path} is world writable, so anyone on this machine can change its code; run chmod o-w ${path}`,
      );
    }
  }
  return { warnings };
}

/** The problem listed for a dev folder claiming the id of an installed or bundled plugin. */
export function shadowedProblem(id: string, dir: string, owner: 'installed' | 'bundled'): string {
  return (
    `dev plugin folder ${dir} is shadowed: ${id} is the id of the ${owner} plugin, which keeps it (and its ` +
    `storage and grants); give the folder its own id, or list ${id} in plugins.devOverrides to use the folder instead`
  );
}

/** The part of a manifest that decides whether a plugin may be enabled on this machine. */
interface Requirements {
  readonly requires?: { env?: string[]; envAny?: string[][]; bins?: string[] };
  readonly sideEffects?: boolean;
}

function onPath(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

/**
 * Why a plugin must stay disabled here (spec 8.4 step 5, 8.5 rule 4), or undefined: a non-bundled plugin
 * declaring `sideEffects` needs its id in plugins.allowSideEffects; `requires` names environment variables
 * (all of `env`, one of each `envAny` set) and programs on PATH.
 */
export function requirementsProblem(
  dir: string,
  id: string,
  bundled: boolean,
  allowSideEffects: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  let manifest: Requirements;
  try {
    manifest = parseStrictJson(readFileSync(join(dir, MANIFEST_FILE_NAME), 'utf8')) as Requirements;
  } catch {
    return undefined; // The loader reports an unreadable manifest with its own typed error.
  }
  if (manifest.sideEffects === true && !bundled && !allowSideEffects.includes(id)) {
    return `${id} is disabled: it declares side effects; list it in plugins.allowSideEffects to enable it`;
  }
  const set = (name: string): boolean => (env[name] ?? '') !== '';
  const missingEnv = (manifest.requires?.env ?? []).filter((name) => !set(name));
  if (missingEnv.length > 0) {
    return `${id} is disabled: it requires the environment variable(s) ${missingEnv.join(', ')}; set them and restart`;
  }
  const unmetAny = (manifest.requires?.envAny ?? []).find((names) => !names.some(set));
  if (unmetAny !== undefined) {
    return `${id} is disabled: it requires one of the environment variables ${unmetAny.join(', ')}; set one and restart`;
  }
  const missingBins = (manifest.requires?.bins ?? []).filter((name) => !onPath(name, env));
  if (missingBins.length > 0) {
    return `${id} is disabled: it requires ${missingBins.join(', ')} on PATH; install it or extend PATH`;
  }
  return undefined;
}
