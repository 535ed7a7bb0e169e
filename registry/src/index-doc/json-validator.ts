import type { ValidationIssue } from '@roku/schemas';
import { createDocumentCheck } from '@roku/schemas';
import type { DocumentCheck } from '@roku/schemas';

/** Checks one kind of JSON document against a schema from `@roku/schemas/json`. */
export type JsonDocumentCheck = DocumentCheck;

/** Compiles a schema from `@roku/schemas/json`; every problem carries `code`. */
export function compileJsonDocumentCheck(file: string, code: string): JsonDocumentCheck {
  return createDocumentCheck(file, code);
}

/** Formats issues as one message: `source: /path message; /path message`. */
export function describeIssues(source: string, issues: readonly ValidationIssue[]): string {
  return `${source}: ${issues.map((i) => `${i.path === '' ? '(root)' : i.path} ${i.message}`).join('; ')}`;
}
