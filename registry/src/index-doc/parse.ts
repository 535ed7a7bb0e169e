import semver from 'semver';
import type { PluginManifest, ValidationIssue } from '@roku/schemas';
import { RokuError, deepFreeze, joinPointer, parseStrictJson, strictJsonIssue } from '@roku/schemas';
import type { JsonDocumentCheck } from './json-validator.js';
import { compileJsonDocumentCheck, describeIssues } from './json-validator.js';
import type { ContributionKind, IndexDocument, ManifestSummary } from './types.js';

const CODE = 'ROKU_REGISTRY_INDEX_INVALID';
let compiled: JsonDocumentCheck | undefined;

// Compiled on first use, never at import time.
function checkSchema(value: unknown): readonly ValidationIssue[] {
  compiled ??= compileJsonDocumentCheck('registry-index.schema.json', CODE);
  return compiled(value);
}

/** Rules the schema cannot express: versions are semver, manifests match their keys, tags point somewhere. */
function ruleIssues(doc: IndexDocument): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [version, entry] of Object.entries(doc.versions)) {
    const at = joinPointer('/versions', version);
    if (semver.valid(version) !== version) {
      issues.push({ code: CODE, path: at, message: 'is not a valid semantic version' });
    }
    if (entry.manifest.id !== doc.name) {
      issues.push({
        code: CODE,
        path: `${at}/manifest/id`,
        message: `must equal the document name '${doc.name}'`,
      });
    }
    if (entry.manifest.version !== version) {
      issues.push({
        code: CODE,
        path: `${at}/manifest/version`,
        message: `must equal the version key '${version}'`,
      });
    }
    if (semver.validRange(entry.manifest.engines.roku) === null) {
      issues.push({
        code: CODE,
        path: `${at}/manifest/engines/roku`,
        message: 'is not a valid semver range',
      });
    }
    for (const [dep, range] of Object.entries(entry.manifest.dependencies)) {
      if (semver.validRange(range) === null) {
        issues.push({
          code: CODE,
          path: joinPointer(`${at}/manifest/dependencies`, dep),
          message: 'is not a valid semver range',
        });
      }
    }
  }
  for (const [tag, version] of Object.entries(doc.distTags)) {
    if (!(version in doc.versions)) {
      issues.push({
        code: CODE,
        path: joinPointer('/distTags', tag),
        message: `points at '${version}', which is not published`,
      });
    }
  }
  return issues;
}

/**
 * Validates an index document (parsed JSON or its text) and returns it frozen.
 * `source` names where it came from (a file path or URL) and starts every message.
 *
 * @throws ROKU_REGISTRY_INDEX_INVALID listing every problem with its JSON path, in `details.issues`.
 * @example
 * const doc = parseIndexDocument(await readFile(file, 'utf8'), file);
 */
export function parseIndexDocument(json: unknown, source: string): IndexDocument {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      // Strict: an index served by a mirror must mean one thing to every client (no duplicate keys, no
      // numbers that round).
      value = parseStrictJson(json);
    } catch (err) {
      const issue = strictJsonIssue(err, CODE) ?? { code: CODE, path: '', message: 'is not valid JSON' };
      throw new RokuError(
        CODE,
        `${source}: ${issue.message}${issue.path === '' ? '' : ` at ${issue.path}`}`,
        {
          details: { source, issues: [issue] },
          cause: err,
        },
      );
    }
  }
  const copy: unknown = structuredClone(value);
  const schemaIssues = checkSchema(copy);
  const issues = schemaIssues.length > 0 ? schemaIssues : ruleIssues(copy as IndexDocument);
  if (issues.length > 0) {
    throw new RokuError(CODE, describeIssues(source, issues), { details: { source, issues } });
  }
  return deepFreeze(copy as IndexDocument);
}

/** Builds the index summary of a validated manifest. */
export function summarizeManifest(manifest: PluginManifest): ManifestSummary {
  const c = manifest.contributes;
  const contributes: Partial<Record<ContributionKind, string[]>> = {};
  const put = (kind: ContributionKind, names: string[] | undefined): void => {
    if (names !== undefined && names.length > 0) contributes[kind] = names;
  };
  put(
    'providers',
    c.providers?.map((p) => p.name),
  );
  put(
    'tools',
    c.tools?.map((t) => t.name),
  );
  put('memorySlot', c.memorySlot === undefined ? undefined : [c.memorySlot.name]);
  put('contextEngine', c.contextEngine === undefined ? undefined : [c.contextEngine.name]);
  put(
    'subagentRuntimes',
    c.subagentRuntimes?.map((s) => s.name),
  );
  put(
    'bridges',
    c.bridges?.map((b) => b.name),
  );
  return {
    id: manifest.id,
    version: manifest.version,
    description: manifest.description,
    engines: { roku: manifest.engines.roku },
    dependencies: Object.fromEntries(
      Object.entries(manifest.dependencies ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    runtime: { type: manifest.runtime.type },
    permissions: structuredClone(manifest.permissions ?? {}),
    contributes,
  };
}
