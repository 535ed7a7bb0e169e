import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

type Schema = Record<string, unknown>;

/** Names of the request bodies in `@roku/schemas/json/http-api.schema.json`. */
export type BodyName =
  | 'createSession'
  | 'createRun'
  | 'approve'
  | 'reject'
  | 'pluginInstall'
  | 'pluginIds'
  | 'chatCompletion'
  | 'responseCreate';

/** The request bodies, read once from the schemas package: the one source for validation and OpenAPI. */
export function loadBodySchemas(): Readonly<Record<BodyName, Schema>> {
  const file = createRequire(import.meta.url).resolve('@roku/schemas/json/http-api.schema.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { $defs: Record<BodyName, Schema> };
  return doc.$defs;
}

/**
 * Validators compiled once per schema: bodies strictly (no coercion, no removal of unknown fields, defaults
 * filled), query strings and path parameters with type coercion (they arrive as text).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<Schema> {
  const bodies = new Ajv2020({ allErrors: false, useDefaults: true, strict: false, coerceTypes: false });
  const params = new Ajv({ useDefaults: true, coerceTypes: 'array', strict: false });
  return ({ schema, httpPart }) => {
    // Fastify reads the compiled function's own `errors` after a false result.
    return httpPart === 'body' ? bodies.compile(schema) : params.compile(schema);
  };
}
