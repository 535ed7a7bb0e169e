import { mkdir } from 'node:fs/promises';
import { relativePathProblem, RokuError } from '@roku/schemas';
import { badRequest, denied, failed, pathSegments, quote } from '../policy.js';
import type { FsGrantPolicy, FsRootName } from '../policy.js';
import type { CapabilityRoots } from '../types.js';

export interface FsContext {
  readonly pluginId: string;
  readonly grants: readonly FsGrantPolicy[];
  readonly roots: CapabilityRoots;
}

/** A checked location: the host folder of its root and the path segments below it, none of them resolved yet. */
export interface FsLocation {
  /** `root:path`, for messages. */
  readonly display: string;
  readonly root: FsRootName;
  /** Absolute host folder of the root (the host's own path). */
  readonly rootPath: string;
  /** Segments of the grant's folder below the root: nothing outside it is touched. */
  readonly base: readonly string[];
  /** Segments from the grant's folder to the target's parent. */
  readonly parent: readonly string[];
  /** Last path segment, or null when the target is the grant's folder itself. */
  readonly name: string | null;
}

const ROOTS: ReadonlySet<string> = new Set<FsRootName>([
  'workspace',
  'data',
  'cache',
  'temp',
  'skills',
  'plugin-skills',
]);

/** Roots a plugin only ever reads: the user's skills (`roku skill install` writes them) and plugins' skills. */
const READ_ONLY_ROOTS: ReadonlySet<string> = new Set<FsRootName>(['skills', 'plugin-skills']);

/** `@scope/name` as one folder name of the plugin-skills root: `@scope+name` ('+' is not allowed in ids). */
export function pluginSkillsFolder(pluginId: string): string {
  return pluginId.replace('/', '+');
}

/** Maps a Node filesystem error to a capability error naming the location. */
export function fsError(pluginId: string, display: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return failed(`${pluginId}: ${display} does not exist`, err);
    case 'ELOOP':
      return denied(
        `${pluginId}: filesystem access to ${display} denied: a symbolic link is on the way (links are never followed)`,
      );
    case 'ENXIO':
      return denied(`${pluginId}: filesystem access to ${display} denied: not a regular file or directory`);
    case 'ENOTDIR':
      return failed(`${pluginId}: ${display}: a parent is not a directory`, err);
    case 'EISDIR':
      return failed(`${pluginId}: ${display} is a directory`, err);
    case 'EACCES':
    case 'EPERM':
      return failed(`${pluginId}: ${display}: permission denied by the operating system`, err);
    default:
      if (err instanceof RokuError) return err;
      return failed(`${pluginId}: ${display} failed: ${typeof code === 'string' ? code : String(err)}`, err);
  }
}

function pickGrant(
  ctx: FsContext,
  root: FsRootName,
  segments: readonly string[],
  write: boolean,
  display: string,
): FsGrantPolicy {
  const covering = ctx.grants.filter(
    (g) =>
      g.root === root &&
      g.segments.length <= segments.length &&
      g.segments.every((s, i) => segments[i] === s),
  );
  const usable = covering.filter((g) => !write || g.access === 'read-write');
  const best = usable.sort((a, b) => b.segments.length - a.segments.length)[0];
  if (best !== undefined) return best;
  throw denied(
    covering.length > 0
      ? `${ctx.pluginId}: writing ${display} denied: permissions.filesystem grants read access only`
      : `${ctx.pluginId}: filesystem access to ${display} denied: not under a permissions.filesystem grant`,
    { root, path: segments.join('/') },
  );
}

/**
 * Checks a plugin path without touching the filesystem: root known, path relative without '..' (empty and '.'
 * components are dropped), under a grant with the needed access. Opening happens beneath held folders (`fs-handles.ts`).
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_BAD_REQUEST
 */
export function checkFsPath(
  ctx: FsContext,
  root: string,
  path: string,
  mode: { readonly write: boolean; readonly allowGrantFolder: boolean },
): FsLocation {
  if (!ROOTS.has(root))
    throw badRequest(
      `${ctx.pluginId}: unknown filesystem root ${quote(root)}; use workspace, data, cache, temp, skills or plugin-skills`,
    );
  const rootName = root as FsRootName;
  const display = `${rootName}:${quote(path)}`;
  if (READ_ONLY_ROOTS.has(rootName) && mode.write)
    throw denied(`${ctx.pluginId}: writing ${display} denied: the ${rootName} root is read only`);
  const problem = path === '' ? undefined : relativePathProblem(path);
  if (problem !== undefined)
    throw denied(`${ctx.pluginId}: filesystem access to ${display} denied: path ${problem}`);
  const segments = pathSegments(path);
  if (segments.length === 0 && !mode.allowGrantFolder)
    throw badRequest(`${ctx.pluginId}: ${display} names a folder, not a file`);
  const grant = pickGrant(ctx, rootName, segments, mode.write, display);
  if (rootName === 'plugin-skills') return pluginSkillsLocation(ctx, segments, display, mode);
  const rootPath = ctx.roots[rootName];
  if (rootPath === undefined) throw denied(`${ctx.pluginId}: the ${rootName} root is not available here`);
  const rest = segments.slice(grant.segments.length);
  return {
    display,
    root: rootName,
    rootPath,
    base: grant.segments,
    parent: rest.slice(0, -1),
    name: rest.at(-1) ?? null,
  };
}

/**
 * A location of the plugin-skills root: its first segment names an active plugin (`@scope+name`), whose skills
 * folder is the host folder the rest is opened beneath. The root itself (no segment) is listed by the host from
 * the active plugins (`listPluginSkillsRoot`), never opened.
 */
function pluginSkillsLocation(
  ctx: FsContext,
  segments: readonly string[],
  display: string,
  mode: { readonly allowGrantFolder: boolean },
): FsLocation {
  const [plugin, ...rest] = segments;
  if (plugin === undefined) {
    throw badRequest(`${ctx.pluginId}: ${display} is the list of plugins; list it with fs.list`);
  }
  const rootPath = ctx.roots.pluginSkills?.().get(plugin);
  if (rootPath === undefined) {
    throw failed(`${ctx.pluginId}: ${display}: no active plugin ${quote(plugin)} ships skills`);
  }
  if (rest.length === 0 && !mode.allowGrantFolder)
    throw badRequest(`${ctx.pluginId}: ${display} names a folder, not a file`);
  return {
    display,
    root: 'plugin-skills',
    rootPath,
    base: [],
    parent: rest.slice(0, -1),
    name: rest.at(-1) ?? null,
  };
}

/**
 * The folders of the plugin-skills root: one per active plugin that ships skills, when a grant covers the root.
 *
 * @throws ROKU_CAPABILITY_DENIED (no grant)
 */
export function listPluginSkillsRoot(ctx: FsContext): { name: string; type: 'dir' }[] {
  pickGrant(ctx, 'plugin-skills', [], false, 'plugin-skills:""');
  return [...(ctx.roots.pluginSkills?.().keys() ?? [])]
    .sort()
    .map((name) => ({ name, type: 'dir' as const }));
}

/** Host-owned roots (data, cache, temp) are created on first use; the workspace must exist. */
export async function ensureRoot(ctx: FsContext, location: FsLocation): Promise<void> {
  if (location.root === 'workspace' || location.root === 'plugin-skills') return;
  try {
    await mkdir(location.rootPath, { recursive: true });
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
}
