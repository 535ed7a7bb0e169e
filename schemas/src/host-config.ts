import { Ajv2020 } from 'ajv/dist/2020.js';
import type { HostConfig } from './generated/host-config.js';
import { loadSchemaFile } from './load-schema.js';
import type { ValidationResult } from './validation.js';
import { deepFreeze, issuesFromAjv } from './validation.js';

/** A host configuration after validation: every default filled in, frozen. */
export type ResolvedHostConfig = Readonly<HostConfig>;

const CONFIG_CODES = {
  unknownField: 'ROKU_CONFIG_UNKNOWN_KEY',
  missingField: 'ROKU_CONFIG_BAD_VALUE',
  wrongType: 'ROKU_CONFIG_BAD_VALUE',
  badValue: 'ROKU_CONFIG_BAD_VALUE',
} as const;

/** Validates host configuration documents; compile once per process. */
export interface HostConfigValidator {
  validate(value: unknown): ValidationResult<ResolvedHostConfig>;
  /** The raw JSON Schema, for tools that walk it (env overrides, docs). */
  readonly schema: Readonly<Record<string, unknown>>;
}

export function createHostConfigValidator(): HostConfigValidator {
  const schema = loadSchemaFile('host-config.schema.json');
  const ajv = new Ajv2020({ allErrors: true, verbose: true, useDefaults: true, strict: true });
  const check = ajv.compile(schema);
  return {
    schema: deepFreeze(schema),
    validate(value) {
      const copy: unknown = structuredClone(value);
      if (check(copy)) return { ok: true, value: deepFreeze(copy as ResolvedHostConfig) };
      return { ok: false, issues: issuesFromAjv(check.errors, CONFIG_CODES) };
    },
  };
}
