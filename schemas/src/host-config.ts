import { documentValidator } from './compiled-validator.js';
import type { HostConfig } from './generated/host-config.js';
import { loadSchemaText } from './load-schema.js';
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
  const text = loadSchemaText('host-config.schema.json');
  const schema = JSON.parse(text) as Record<string, unknown>;
  const check = documentValidator('host-config', text);
  return {
    schema: deepFreeze(schema),
    validate(value) {
      const copy: unknown = structuredClone(value);
      if (check(copy)) return { ok: true, value: deepFreeze(copy as ResolvedHostConfig) };
      return { ok: false, issues: issuesFromAjv(check.errors, CONFIG_CODES) };
    },
  };
}
