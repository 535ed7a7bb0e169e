import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { MANIFEST_FILE_NAME, RokuError } from '@roku/schemas';

/** A place in the plugin's own source, relative to the plugin folder (`src/index.ts`, line and column from 1). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** How the host names a load failure's first bundle frame in its message. */
const BUNDLE_LINE = /\(bundle line (\d+):(\d+)\)/;

function entryOf(folder: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(folder, MANIFEST_FILE_NAME), 'utf8')) as {
      runtime?: { entry?: unknown };
    };
    const entry = manifest.runtime?.entry;
    return typeof entry === 'string' ? entry : 'dist/plugin.js';
  } catch {
    return 'dist/plugin.js';
  }
}

/**
 * Maps a bundle position (line and column from 1, as V8 reports them) through the plugin folder's
 * `<runtime.entry>.map`, written by `roku plugin build`. Undefined when there is no map or no mapping.
 */
export function sourceLocation(folder: string, line: number, column: number): SourceLocation | undefined {
  const mapFile = resolve(folder, `${entryOf(folder)}.map`);
  if (!existsSync(mapFile)) return undefined;
  try {
    const map = new TraceMap(readFileSync(mapFile, 'utf8'));
    const found = originalPositionFor(map, { line, column: Math.max(0, column - 1) });
    if (found.source === null) return undefined;
    const absolute = isAbsolute(found.source) ? found.source : resolve(dirname(mapFile), found.source);
    const file = relative(folder, absolute).split(sep).join('/');
    return { file, line: found.line, column: found.column + 1 };
  } catch {
    return undefined;
  }
}

function bundlePosition(err: {
  message: string;
  details?: unknown;
}): { line: number; column: number } | undefined {
  const details = err.details as { bundleLine?: unknown; bundleColumn?: unknown } | undefined;
  if (typeof details?.bundleLine === 'number' && typeof details.bundleColumn === 'number')
    return { line: details.bundleLine, column: details.bundleColumn };
  const m = BUNDLE_LINE.exec(err.message);
  return m === null ? undefined : { line: Number(m[1]), column: Number(m[2]) };
}

/** The line an author reads: where in their source the load threw, and what to do. */
export function loadFixLine(at: SourceLocation): string {
  return `code that runs at load threw: fix ${at.file}:${at.line}:${at.column} (move work that can fail into a handler)`;
}

/**
 * A plugin load failure (or a handler's throw) with the bundle frame mapped to the author's source: the same
 * code, the message followed by the fix line, and `details.source` `{ file, line, column }`. Any other error is returned as is.
 */
export function withSourceLocation(err: unknown, folder: string): unknown {
  const e = err as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return err;
  const pos = bundlePosition({ message: e.message, details: e.details });
  if (pos === undefined) return err;
  const at = sourceLocation(folder, pos.line, pos.column);
  if (at === undefined) return err;
  const details = typeof e.details === 'object' && e.details !== null ? e.details : {};
  // A call's throw (ROKU_PLUGIN_FAILED) happened in a handler; anything else while loading.
  const line =
    e.code === 'ROKU_PLUGIN_FAILED'
      ? `the handler threw at ${at.file}:${at.line}:${at.column}`
      : loadFixLine(at);
  return new RokuError(e.code as ConstructorParameters<typeof RokuError>[0], `${e.message}\n${line}`, {
    details: { ...details, source: at },
    cause: err,
  });
}

/** Where in the author's source the `(bundle line L:C)` a text names is; undefined without one or a map. */
export function bundleLineSource(text: string, folder: string): SourceLocation | undefined {
  const m = BUNDLE_LINE.exec(text);
  return m === null ? undefined : sourceLocation(folder, Number(m[1]), Number(m[2]));
}

/** Text (a report) where each line naming `(bundle line L:C)` is followed by the author's source location. */
export function annotateBundleLines(text: string, folder: string): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const at = bundleLineSource(line, folder);
      if (at === undefined) return [line];
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      return [line, `${indent}${loadFixLine(at)}`];
    })
    .join('\n');
}
