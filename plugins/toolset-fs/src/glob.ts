import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import picomatch from 'picomatch';
import { workspacePath } from './paths.js';
import { walkFiles } from './walk.js';

export const MAX_GLOB_MATCHES = 200;
/** Most entries a glob or grep walk looks at (spec §3.3 scans 8000; trees of coding projects are larger). */
export const MAX_SCAN_ENTRIES = 200_000;

export interface GlobInput {
  readonly pattern: string;
  readonly path?: string;
  readonly includeIgnored?: boolean;
}
export interface GlobOutput {
  readonly matches: string[];
  readonly total: number;
  readonly truncated: boolean;
  readonly scanned: number;
  readonly note?: string;
}

/**
 * A matcher for workspace-relative paths, e.g. `**\/*.ts` or `src/{a,b}/*.md`.
 *
 * @throws ROKU_WORKSPACE_BAD_PATTERN for an empty or invalid pattern
 */
export function globMatcher(tool: string, pattern: string): (path: string) => boolean {
  if (pattern.trim() === '') throw new RokuError('ROKU_WORKSPACE_BAD_PATTERN', `${tool}: the glob is empty`);
  try {
    // A pattern without a slash matches the name at any depth, as in .gitignore (`*.ts` finds src/a.ts).
    return picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
  } catch (err) {
    throw new RokuError(
      'ROKU_WORKSPACE_BAD_PATTERN',
      `${tool}: the glob ${JSON.stringify(pattern)} is invalid: ${(err as Error).message}`,
    );
  }
}

export function notes(walk: { truncated: boolean; skipped: { path: string; reason: string }[] }): string[] {
  const out: string[] = [];
  if (walk.truncated) out.push(`the walk stopped after ${MAX_SCAN_ENTRIES} entries; narrow path`);
  for (const skip of walk.skipped.slice(0, 5)) out.push(`skipped ${skip.path}: ${skip.reason}`);
  return out;
}

/** glob: workspace files whose path (relative to `path`) matches a glob, sorted, at most 200. */
export const glob = defineTool({
  name: 'glob',
  handler: async (input: GlobInput, ctx: PluginContext): Promise<GlobOutput> => {
    const base = workspacePath('glob', input.path ?? '', { allowRoot: true });
    const matches = globMatcher('glob', input.pattern);
    const walk = await walkFiles(ctx, base, {
      includeIgnored: input.includeIgnored === true,
      maxEntries: MAX_SCAN_ENTRIES,
    });
    const prefix = base === '' ? 0 : base.length + 1;
    const found = walk.files.filter((file) => matches(file.slice(prefix)));
    const said = notes(walk);
    return {
      matches: found.slice(0, MAX_GLOB_MATCHES),
      total: found.length,
      truncated: found.length > MAX_GLOB_MATCHES || walk.truncated,
      scanned: walk.scanned,
      ...(said.length === 0 ? {} : { note: said.join('; ') }),
    };
  },
});
