/*
 * The host configuration and plugin manifest schemas are compiled to validation code by the build
 * (scripts/standalone-validators.mjs, Ajv's standalone code): compiling them with Ajv took about 85 ms of
 * every `roku` command's start. A compiled validator is used only when it was made from the schema file read
 * now (its sha256 is recorded in it); otherwise, e.g. a schema edited without a rebuild, Ajv compiles the
 * schema here as before. Both are the same Ajv code with the same options, so they report the same errors.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Options, ValidateFunction } from 'ajv';

/** The options both schemas are compiled with, at build time and here. */
export const DOCUMENT_AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  useDefaults: true,
  strict: true,
};

/** Where the build writes the compiled validator of `name` (`host-config`, `plugin-manifest`). */
export function compiledValidatorFile(name: string): string {
  return fileURLToPath(new URL(`../dist/validators/${name}.cjs`, import.meta.url));
}

export function schemaHash(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex');
}

/**
 * The validator for schema `name` whose JSON text is `schemaText`: compiled by the build when it matches (the
 * text is then not even parsed), else compiled here.
 */
export function documentValidator(name: string, schemaText: string): ValidateFunction {
  try {
    // a CommonJS module: the validate function, with the hash of the schema it was made from
    const compiled = createRequire(import.meta.url)(compiledValidatorFile(name)) as unknown;
    if (
      typeof compiled === 'function' &&
      (compiled as { schemaSha256?: unknown }).schemaSha256 === schemaHash(schemaText)
    )
      return compiled as ValidateFunction;
  } catch {
    // not built (a source checkout before its build), unreadable or from another build: compile below
  }
  return new Ajv2020(DOCUMENT_AJV_OPTIONS).compile(JSON.parse(schemaText) as Record<string, unknown>);
}
