import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { relativePathProblem, RokuError } from '@roku/schemas';
import { badRequest, denied, failed, pathSegments, quote } from '../policy.js';
import type { FsGrantPolicy, FsRootName } from '../policy.js';
import type { CapabilityRoots } from '../types.js';

export interface FsContext {
  readonly pluginId: string;
  readonly grants: readonly FsGrantPolicy[];
  readonly roots: CapabilityRoots;
}

/** A checked location: the real folder that bounds it and the real parent folder of the target. */
export interface FsLocation {
  /** `root:path`, for messages. */
  readonly display: string;
  /** realpath of root + grant path: nothing outside it is touched. */
  readonly realBase: string;
  /** Real path of the target's parent folder (inside realBase), or of the target itself when `name` is null. */
  readonly realParent: string;
  /** Last path segment, or null when the target is the grant's folder itself. */
  readonly name: string | null;
}

const ROOTS: ReadonlySet<string> = new Set<FsRootName>(['workspace', 'data', 'cache', 'temp']);

export function isInside(child: string, base: string): boolean {
  return child === base || child.startsWith(base.endsWith(sep) ? base : `${base}${sep}`);
}

/** Maps a Node filesystem error to a capability error naming the location. */
export function fsError(pluginId: string, display: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return failed(`${pluginId}: ${display} does not exist`, err);
    case 'ELOOP':
      return denied(`${pluginId}: filesystem access to ${display} denied: it is a symbolic link`);
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

async function realpathOrFail(ctx: FsContext, path: string, display: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw fsError(ctx.pluginId, display, err);
  }
}

/** Creates `segments` below `realBase` one at a time, refusing any step whose real path leaves realBase. */
async function ensureDirs(
  ctx: FsContext,
  realBase: string,
  segments: readonly string[],
  display: string,
): Promise<string> {
  let current = realBase;
  for (const segment of segments) {
    const next = join(current, segment);
    try {
      await mkdir(next);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw fsError(ctx.pluginId, display, err);
    }
    current = await realpathOrFail(ctx, next, display);
    if (!isInside(current, realBase)) {
      throw denied(
        `${ctx.pluginId}: filesystem access to ${display} denied: a symbolic link leads outside the granted folder`,
      );
    }
    if (!(await lstat(current)).isDirectory())
      throw failed(`${ctx.pluginId}: ${display}: a parent is not a directory`);
  }
  return current;
}

/**
 * Checks a plugin path and resolves it: root granted, path relative without '..', under a grant with the
 * needed access, and — after resolving symbolic links — still inside the grant's real folder.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_BAD_REQUEST, ROKU_CAPABILITY_FAILED
 */
export async function resolveFsPath(
  ctx: FsContext,
  root: string,
  path: string,
  mode: { readonly write: boolean; readonly allowGrantFolder: boolean },
): Promise<FsLocation> {
  if (!ROOTS.has(root))
    throw badRequest(
      `${ctx.pluginId}: unknown filesystem root ${quote(root)}; use workspace, data, cache or temp`,
    );
  const rootName = root as FsRootName;
  const display = `${rootName}:${quote(path)}`;
  const problem = path === '' ? undefined : relativePathProblem(path);
  if (problem !== undefined)
    throw denied(`${ctx.pluginId}: filesystem access to ${display} denied: path ${problem}`);
  const segments = pathSegments(path);
  if (segments.length === 0 && !mode.allowGrantFolder)
    throw badRequest(`${ctx.pluginId}: ${display} names a folder, not a file`);
  const grant = pickGrant(ctx, rootName, segments, mode.write, display);

  const rootDir = ctx.roots[rootName];
  if (rootName !== 'workspace') {
    try {
      await mkdir(rootDir, { recursive: true });
    } catch (err) {
      throw fsError(ctx.pluginId, display, err);
    }
  }
  const base = join(rootDir, ...grant.segments);
  if (mode.write) {
    try {
      await mkdir(base, { recursive: true });
    } catch (err) {
      throw fsError(ctx.pluginId, display, err);
    }
  }
  const realBase = await realpathOrFail(ctx, base, display);
  const rest = segments.slice(grant.segments.length);
  const name = rest.at(-1);
  if (name === undefined) return { display, realBase, realParent: realBase, name: null };

  const parentSegments = rest.slice(0, -1);
  const realParent = mode.write
    ? await ensureDirs(ctx, realBase, parentSegments, display)
    : await realpathOrFail(ctx, join(realBase, ...parentSegments), display);
  if (!isInside(realParent, realBase)) {
    throw denied(
      `${ctx.pluginId}: filesystem access to ${display} denied: a symbolic link leads outside the granted folder`,
    );
  }
  return { display, realBase, realParent, name };
}
