import { readFile } from 'node:fs/promises';
import type { ValidationIssue } from '@roku/schemas';
import { RokuError, deepFreeze, parseStrictJson, strictJsonIssue } from '@roku/schemas';
import type { JsonDocumentCheck } from '../index-doc/json-validator.js';
import { compileJsonDocumentCheck, describeIssues } from '../index-doc/json-validator.js';
import type { Permissions } from '../index-doc/types.js';
import { writeFileAtomic } from '../local/atomic-write.js';
import type { ResolutionPlan } from '../resolve/types.js';
import type { LockedPlugin, Lockfile } from './types.js';

/** File name of the lockfile beside the host configuration. */
export const LOCKFILE_NAME = 'roku.lock';

const CODE = 'ROKU_REGISTRY_LOCK_INVALID';
let compiled: JsonDocumentCheck | undefined;

function checkSchema(value: unknown): readonly ValidationIssue[] {
  compiled ??= compileJsonDocumentCheck('lockfile.schema.json', CODE);
  return compiled(value);
}

function invalid(path: string, issues: readonly ValidationIssue[], cause?: unknown): RokuError {
  return new RokuError(CODE, describeIssues(path, issues), {
    details: { path, issues },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Validates a lockfile value already parsed from JSON and returns it frozen.
 *
 * @throws ROKU_REGISTRY_LOCK_INVALID naming every bad JSON path, prefixed by `source`.
 */
export function parseLockfile(value: unknown, source: string): Lockfile {
  const copy: unknown = structuredClone(value);
  const issues = checkSchema(copy);
  if (issues.length > 0) throw invalid(source, issues);
  return deepFreeze(copy as Lockfile);
}

/**
 * Reads and validates roku.lock; undefined when the file does not exist.
 *
 * @throws ROKU_REGISTRY_LOCK_INVALID for malformed JSON or a document the schema refuses.
 */
export async function readLockfile(path: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (err) {
    const issue = strictJsonIssue(err, CODE) ?? {
      code: CODE,
      path: '',
      message: `is not valid JSON: ${(err as Error).message}`,
    };
    throw invalid(path, [issue], err);
  }
  return parseLockfile(value, path);
}

/** Copies a JSON value with every object's keys sorted, so the same lock always serializes the same way. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** The exact text `writeLockfile` writes: sorted keys, two-space indent, final newline. */
export function serializeLockfile(lock: Lockfile): string {
  return `${JSON.stringify(sortKeys(lock), null, 2)}\n`;
}

/**
 * Validates and writes roku.lock atomically (temporary file, then rename).
 *
 * @throws ROKU_REGISTRY_LOCK_INVALID when `lock` does not match the schema; nothing is written then.
 */
export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  parseLockfile(lock, path);
  await writeFileAtomic(path, serializeLockfile(lock));
}

/**
 * Builds the lockfile for a plan. `grants` holds what the user granted per plugin id (no entry: nothing
 * granted). The signer is `signers[id]` when given (the key that verification accepted), else the first
 * signature's key id, else null.
 */
export function lockFromPlan(
  plan: ResolutionPlan,
  grants: Readonly<Record<string, Permissions>>,
  signers: Readonly<Record<string, string>> = {},
): Lockfile {
  const plugins: Record<string, LockedPlugin> = {};
  for (const p of [...plan.packages].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    plugins[p.id] = {
      version: p.version,
      registry: p.registry,
      integrity: p.integrity,
      signer: signers[p.id] ?? p.signatures[0]?.keyId ?? null,
      permissions: structuredClone(grants[p.id] ?? {}),
      dependencies: { ...p.manifestSummary.dependencies },
    };
  }
  return { lockfileVersion: 1, plugins };
}
