import semver from 'semver';
import { RokuError } from '@roku/schemas';
import type { IndexDocument, IndexVersion } from '../index-doc/types.js';

/** One request for a plugin: from the user (`from` is `(request)`) or from a chosen plugin's dependencies. */
export interface Constraint {
  readonly from: string;
  readonly range: string | undefined;
  readonly tag: string | undefined;
}

/** A chosen version and why the user should hear about it. */
export interface Selection {
  readonly version: string;
  readonly warning: string | undefined;
}

export interface SelectContext {
  readonly hostApiVersion: string;
  /** Versions to keep when they still fit (locked, then installed), best first. */
  readonly preferred: readonly string[];
}

/** `1.2.3` and `=1.2.3` pin one version; anything else is a range. */
export function exactVersion(range: string): string | undefined {
  const trimmed = range.trim().replace(/^=\s*/, '');
  return semver.valid(trimmed) ?? undefined;
}

function describe(c: Constraint): string {
  return `${c.range ?? `tag '${c.tag ?? ''}'`} (from ${c.from})`;
}

/** True when the constraint names this version explicitly: an exact version or a dist-tag. */
function pins(c: Constraint, version: string, doc: IndexDocument): boolean {
  if (c.tag !== undefined) return doc.distTags[c.tag] === version;
  return c.range !== undefined && exactVersion(c.range) === version;
}

function accepts(c: Constraint, version: string, doc: IndexDocument): boolean {
  if (c.tag !== undefined) return doc.distTags[c.tag] === version;
  return c.range !== undefined && semver.satisfies(version, c.range);
}

/** A yanked version counts only when some constraint names it explicitly. */
function eligible(doc: IndexDocument, version: string, constraints: readonly Constraint[]): boolean {
  const entry = doc.versions[version];
  if (entry === undefined) return false;
  if (entry.yanked === true && !constraints.some((c) => pins(c, version, doc))) return false;
  return constraints.every((c) => accepts(c, version, doc));
}

/** Versions accepted by every constraint, highest first. */
function matching(doc: IndexDocument, constraints: readonly Constraint[]): string[] {
  return semver.rsort(Object.keys(doc.versions)).filter((v) => eligible(doc, v, constraints));
}

function engineFits(entry: IndexVersion | undefined, hostApiVersion: string): boolean {
  return (
    entry !== undefined &&
    semver.satisfies(hostApiVersion, entry.manifest.engines.roku, { includePrerelease: true })
  );
}

/** Whether the current choice still satisfies every constraint (and the host). */
export function stillFits(
  doc: IndexDocument,
  version: string,
  constraints: readonly Constraint[],
  hostApiVersion: string,
): boolean {
  return engineFits(doc.versions[version], hostApiVersion) && eligible(doc, version, constraints);
}

function available(doc: IndexDocument): string[] {
  return semver.sort(Object.keys(doc.versions).filter((v) => doc.versions[v]?.yanked !== true));
}

function noMatch(id: string, doc: IndexDocument, c: Constraint): RokuError {
  const versions = available(doc);
  const yanked = Object.keys(doc.versions).filter((v) => doc.versions[v]?.yanked === true);
  const what =
    c.tag !== undefined
      ? `has no dist-tag '${c.tag}' (tags: ${Object.keys(doc.distTags).join(', ') || 'none'})`
      : `has no version matching ${c.range ?? ''} (available: ${versions.join(', ') || 'none'}${
          yanked.length > 0 ? `; yanked: ${semver.sort(yanked).join(', ')}` : ''
        })`;
  return new RokuError('ROKU_REGISTRY_NO_MATCH', `${id} ${what}, asked for by ${c.from}`, {
    details: { id, range: c.range, tag: c.tag, from: c.from, available: versions, distTags: doc.distTags },
  });
}

/**
 * Chooses a version of one plugin for a set of constraints: a preferred version when it still fits, else the
 * highest that satisfies every constraint and whose `engines.roku` accepts the host.
 *
 * @throws ROKU_REGISTRY_NO_MATCH, ROKU_REGISTRY_CONFLICT or ROKU_REGISTRY_ENGINE_MISMATCH.
 */
export function selectVersion(
  id: string,
  doc: IndexDocument,
  constraints: readonly Constraint[],
  ctx: SelectContext,
): Selection {
  const candidates = matching(doc, constraints);
  const fitting = candidates.filter((v) => engineFits(doc.versions[v], ctx.hostApiVersion));
  const version = ctx.preferred.find((v) => fitting.includes(v)) ?? fitting[0];
  if (version !== undefined) {
    const entry = doc.versions[version];
    const notes: string[] = [];
    if (entry?.yanked === true)
      notes.push(`${id}@${version} is yanked; it was chosen only because it was asked for exactly`);
    if (entry?.deprecated !== undefined) notes.push(`${id}@${version} is deprecated: ${entry.deprecated}`);
    return { version, warning: notes.length === 0 ? undefined : notes.join('; ') };
  }
  for (const c of constraints) {
    if (matching(doc, [c]).length === 0) throw noMatch(id, doc, c);
  }
  if (candidates.length === 0) {
    throw new RokuError(
      'ROKU_REGISTRY_CONFLICT',
      `${id}: no single version satisfies every request: ${constraints.map(describe).join(', ')}; available: ${available(doc).join(', ')}`,
      {
        details: {
          id,
          requests: constraints.map((c) => ({ from: c.from, range: c.range, tag: c.tag })),
          available: available(doc),
        },
      },
    );
  }
  const needs = candidates.map((v) => `${v} needs ${doc.versions[v]?.manifest.engines.roku ?? '?'}`);
  throw new RokuError(
    'ROKU_REGISTRY_ENGINE_MISMATCH',
    `${id}: no version matching ${constraints.map(describe).join(', ')} supports host plugin API ${ctx.hostApiVersion} (${needs.join(', ')})`,
    {
      details: {
        id,
        hostApiVersion: ctx.hostApiVersion,
        candidates: candidates.map((v) => ({ version: v, engines: doc.versions[v]?.manifest.engines.roku })),
      },
    },
  );
}
