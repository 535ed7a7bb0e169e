import type { ErrorObject } from 'ajv';
import { nearestName } from './nearest.js';

/** One problem found in a document: a stable code, a JSON pointer into the document and a sentence. */
export interface ValidationIssue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

/** The result of every Roku validator. A valid value is deeply frozen. */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** Codes used for each kind of schema failure; a document kind (manifest, config) supplies its own. */
export interface IssueCodes {
  readonly unknownField: string;
  readonly missingField: string;
  readonly wrongType: string;
  readonly badValue: string;
  /** Per-path overrides for `pattern` failures, e.g. `/id` gets a dedicated code. */
  readonly patternByPath?: (path: string) => string | undefined;
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((s) => `/${pointerSegment(s)}`).join('');
}

function describeSchema(error: ErrorObject): string | undefined {
  const parent = error.parentSchema as { description?: unknown } | undefined;
  return typeof parent?.description === 'string' ? parent.description : undefined;
}

function issueFor(error: ErrorObject, codes: IssueCodes): ValidationIssue {
  // Errors about an object key (propertyNames) point at the key itself.
  const path =
    error.propertyName === undefined
      ? error.instancePath
      : joinPointer(error.instancePath, error.propertyName);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const suggestion = nearestName(field, Object.keys(schema?.properties ?? {}));
      return {
        code: codes.unknownField,
        path: joinPointer(path, field),
        message: `is not a known field${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}`,
      };
    }
    case 'required':
      return {
        code: codes.missingField,
        path: joinPointer(path, String(params.missingProperty)),
        message: 'is required',
      };
    case 'type':
      return { code: codes.wrongType, path, message: `must be ${String(params.type)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { code: codes.badValue, path, message: `must be one of ${allowed}` };
    }
    case 'const':
      return { code: codes.badValue, path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern': {
      const description = describeSchema(error);
      return {
        code: codes.patternByPath?.(path) ?? codes.badValue,
        path,
        message: `has an invalid form${description === undefined ? '' : `: expected ${lowerFirst(description)}`}`,
      };
    }
    case 'oneOf':
    case 'anyOf': {
      const description = describeSchema(error);
      return {
        code: codes.badValue,
        path,
        message:
          description === undefined
            ? 'matches none of the allowed forms'
            : `must be ${lowerFirst(description)}`,
      };
    }
    default:
      return { code: codes.badValue, path, message: error.message ?? `fails ${error.keyword}` };
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Turns ajv errors into issues: one per problem, keyed by JSON path. Errors from inside a failed
 * oneOf/anyOf branch are folded into the single oneOf issue, which is what a user can act on.
 */
export function issuesFromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  codes: IssueCodes,
): ValidationIssue[] {
  const list = errors ?? [];
  const unions = list.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const insideUnion = (e: ErrorObject): boolean =>
    unions.some(
      (u) =>
        u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath),
    );
  const kept = list.filter((e) => !insideUnion(e) && e.keyword !== 'propertyNames');
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of kept) {
    const issue = issueFor(error, codes);
    const key = `${issue.code}\u0000${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

/** Freezes a parsed JSON value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Formats issues as `file: /path message` lines, the form every CLI command prints. */
export function formatIssues(file: string, issues: readonly ValidationIssue[]): string[] {
  return issues.map((i) => `${file}: ${i.path === '' ? '(root)' : i.path} ${i.message} [${i.code}]`);
}
