import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { RE2JS } from 're2js';
import { globMatcher, MAX_SCAN_ENTRIES, notes } from './glob.js';
import { workspacePath } from './paths.js';
import { decodeUtf8 } from './text.js';
import { forEachLimited, walkFiles } from './walk.js';

export const DEFAULT_GREP_MATCHES = 100;
export const MAX_GREP_MATCHES = 1000;
/** A matching line longer than this is cut: minified files would otherwise fill the result with one line. */
export const MAX_LINE_CHARS = 300;
const SNIFF_BYTES = 8192;
/** fs.readMany requests in flight at once; each reads up to BATCH_NAMES files of one folder. */
const BATCH_CONCURRENCY = 4;
const BATCH_NAMES = 200;

interface Batch {
  readonly folder: string;
  readonly names: string[];
  /** Index in the candidate list of the first name, to give results back in path order. */
  readonly first: number;
}

/** Sorted workspace paths grouped into runs of one folder, at most BATCH_NAMES each. */
function batchesByFolder(paths: readonly string[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch | undefined;
  paths.forEach((path, index) => {
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? '' : path.slice(0, slash);
    if (current === undefined || current.folder !== folder || current.names.length >= BATCH_NAMES) {
      current = { folder, names: [], first: index };
      batches.push(current);
    }
    current.names.push(path.slice(slash + 1));
  });
  return batches;
}

export interface GrepInput {
  readonly pattern: string;
  readonly path?: string;
  readonly glob?: string;
  readonly ignoreCase?: boolean;
  readonly maxMatches?: number;
  readonly includeIgnored?: boolean;
}
export interface GrepMatch {
  readonly path: string;
  readonly line: number;
  readonly text: string;
}
export interface GrepOutput {
  readonly matches: GrepMatch[];
  readonly files: number;
  readonly searched: number;
  readonly truncated: boolean;
  readonly skipped: { binary: number; tooLarge: number; unreadable: number };
  readonly note?: string;
}

/**
 * Compiles a regular expression with RE2 semantics: matching time is linear in the input, so no pattern can
 * backtrack catastrophically. Backreferences and lookaround are not supported, and say so.
 *
 * @throws ROKU_WORKSPACE_BAD_PATTERN
 */
export function compileRegex(pattern: string, ignoreCase: boolean): RE2JS {
  if (pattern === '') throw new RokuError('ROKU_WORKSPACE_BAD_PATTERN', 'grep: the pattern is empty');
  try {
    return RE2JS.compile(pattern, RE2JS.MULTILINE | (ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
  } catch (err) {
    throw new RokuError(
      'ROKU_WORKSPACE_BAD_PATTERN',
      `grep: the pattern ${JSON.stringify(pattern.slice(0, 200))} is not a valid RE2 regular expression (${(err as Error).message}); backreferences and lookaround are not supported`,
    );
  }
}

function cutLine(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

/**
 * grep: lines of workspace files that match a regular expression (RE2 syntax), skipping .git, node_modules and
 * binary files, at most maxMatches lines.
 */
export const grep = defineTool({
  name: 'grep',
  handler: async (input: GrepInput, ctx: PluginContext): Promise<GrepOutput> => {
    const base = workspacePath('grep', input.path ?? '', { allowRoot: true });
    const regex = compileRegex(input.pattern, input.ignoreCase === true);
    const only = input.glob === undefined ? undefined : globMatcher('grep', input.glob);
    const limit = Math.min(
      MAX_GREP_MATCHES,
      Math.max(1, Math.floor(input.maxMatches ?? DEFAULT_GREP_MATCHES)),
    );
    // A path naming one file searches that file.
    let walk;
    try {
      walk = await walkFiles(ctx, base, {
        includeIgnored: input.includeIgnored === true,
        maxEntries: MAX_SCAN_ENTRIES,
      });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ROKU_CAPABILITY_FAILED' || base === '') throw err;
      walk = { files: [base], scanned: 1, truncated: false, skipped: [] };
    }
    const prefix = base === '' ? 0 : base.length + 1;
    const candidates = only === undefined ? walk.files : walk.files.filter((f) => only(f.slice(prefix)));
    const perFile = new Map<number, GrepMatch[]>();
    const skipped = { binary: 0, tooLarge: 0, unreadable: 0 };
    const state = { found: 0 };
    const search = (path: string, index: number, bytes: Uint8Array): void => {
      if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
        skipped.binary += 1;
        return;
      }
      const text = decodeUtf8(bytes);
      // One pass over the whole file first: most files do not match, and then no line is split.
      if (!regex.test(text)) return;
      const hits: GrepMatch[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length && state.found < limit; i++) {
        const line = lines[i] ?? '';
        if (regex.test(line)) {
          hits.push({ path, line: i + 1, text: cutLine(line.replace(/\r$/, '')) });
          state.found += 1;
        }
      }
      if (hits.length > 0) perFile.set(index, hits);
    };
    await forEachLimited(
      batchesByFolder(candidates),
      BATCH_CONCURRENCY,
      async (batch) => {
        const read = await ctx.fs.readMany('workspace', batch.folder, batch.names);
        const byName = new Map(read.map((entry) => [entry.name, entry]));
        batch.names.forEach((name, i) => {
          const entry = byName.get(name);
          if (entry === undefined || 'error' in entry) {
            if (entry?.error.code === 'ROKU_CAPABILITY_LIMIT') skipped.tooLarge += 1;
            else skipped.unreadable += 1;
          } else if (state.found < limit) {
            search(batch.folder === '' ? name : `${batch.folder}/${name}`, batch.first + i, entry.bytes);
          }
        });
      },
      () => state.found >= limit,
    );
    const found = state.found;
    // Reads finish out of order; results come back in path order.
    const matches = [...perFile.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, hits]) => hits);
    const said = notes(walk);
    if (found >= limit) said.unshift(`stopped at ${limit} matching lines; narrow the pattern, path or glob`);
    return {
      matches,
      files: perFile.size,
      searched: candidates.length,
      truncated: found >= limit || walk.truncated,
      skipped,
      ...(said.length === 0 ? {} : { note: said.join('; ') }),
    };
  },
});
