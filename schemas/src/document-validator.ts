import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadSchemaFile } from './load-schema.js';
import type { ValidationIssue } from './validation.js';
import { issuesFromAjv } from './validation.js';

/** Checks one kind of JSON document; returns its problems (empty when valid). */
export type DocumentCheck = (value: unknown) => readonly ValidationIssue[];

/**
 * Compiles one of this package's JSON Schemas (`json/<file>`) for a document kind whose problems all carry
 * one code. The manifest schema is registered too, so documents may `$ref` parts of it. Compile once and reuse.
 */
export function createDocumentCheck(file: string, code: string): DocumentCheck {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, useDefaults: false });
  ajv.addSchema(loadSchemaFile('plugin-manifest.schema.json'));
  const check = ajv.compile(loadSchemaFile(file));
  const codes = { unknownField: code, missingField: code, wrongType: code, badValue: code };
  return (value) => (check(value) ? [] : issuesFromAjv(check.errors, codes));
}
