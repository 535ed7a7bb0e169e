import { documentValidator } from './compiled-validator.js';
import type { PluginManifest } from './generated/plugin-manifest.js';
import { loadSchemaText } from './load-schema.js';
import { manifestRuleIssues } from './manifest-rules.js';
import { nestsDeeperThan, parseStrictJson, strictJsonIssue } from './strict-json.js';
import { sharedPluginSchemaAjv } from './plugin-schema.js';
import type { ValidationResult } from './validation.js';
import { deepFreeze, issuesFromAjv } from './validation.js';

/** File name of a plugin manifest inside a plugin folder or package. */
export const MANIFEST_FILE_NAME = 'roku.plugin.json';
/** Manifests above this size are refused before parsing. */
export const MAX_MANIFEST_BYTES = 256 * 1024;
/** Deepest nesting a manifest may have (tool schemas included); deeper ones are refused while parsing. */
export const MAX_MANIFEST_DEPTH = 64;

const MANIFEST_CODES = {
  unknownField: 'ROKU_MANIFEST_UNKNOWN_FIELD',
  missingField: 'ROKU_MANIFEST_MISSING_FIELD',
  wrongType: 'ROKU_MANIFEST_WRONG_TYPE',
  badValue: 'ROKU_MANIFEST_BAD_VALUE',
  patternByPath: (path: string) =>
    path === '/id' || path.startsWith('/dependencies') ? 'ROKU_MANIFEST_BAD_ID' : undefined,
} as const;

/** Validates plugin manifests. Compile one per process and reuse it. */
export interface ManifestValidator {
  /** Validates an already-parsed manifest; on success the value has defaults filled in and is frozen. */
  validate(value: unknown): ValidationResult<PluginManifest>;
  /** Parses and validates manifest text (or bytes), enforcing the size cap and reporting malformed JSON. */
  parse(text: string | Uint8Array): ValidationResult<PluginManifest>;
}

/**
 * Compiles the manifest schema once and returns a validator that reports every problem with its JSON path.
 * `compilePluginSchemas: false` checks the schemas a plugin ships against the meta-schema only, for a caller
 * (the host's loader) that compiles them itself right after.
 *
 * @example
 * const result = createManifestValidator().parse(readFileSync('roku.plugin.json'));
 * if (!result.ok) console.error(formatIssues('roku.plugin.json', result.issues).join('\n'));
 */
export function createManifestValidator(options: { compilePluginSchemas?: boolean } = {}): ManifestValidator {
  const text = loadSchemaText('plugin-manifest.schema.json');
  const check = documentValidator('plugin-manifest', text);
  const pluginSchemas = sharedPluginSchemaAjv();

  const validate = (value: unknown): ValidationResult<PluginManifest> => {
    if (nestsDeeperThan(value, MAX_MANIFEST_DEPTH)) {
      const message = `nests deeper than ${MAX_MANIFEST_DEPTH} levels`;
      return { ok: false, issues: [{ code: 'ROKU_JSON_TOO_DEEP', path: '', message }] };
    }
    const copy: unknown = structuredClone(value);
    const schemaOk = check(copy);
    const issues = [
      ...(schemaOk ? [] : issuesFromAjv(check.errors, MANIFEST_CODES)),
      ...manifestRuleIssues(copy, pluginSchemas, options.compilePluginSchemas ?? true),
    ];
    return issues.length === 0
      ? { ok: true, value: deepFreeze(copy as PluginManifest) }
      : { ok: false, issues };
  };

  const parse = (input: string | Uint8Array): ValidationResult<PluginManifest> => {
    const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
    if (bytes > MAX_MANIFEST_BYTES) {
      return {
        ok: false,
        issues: [
          {
            code: 'ROKU_MANIFEST_TOO_LARGE',
            path: '',
            message: `is ${bytes} bytes; the cap is ${MAX_MANIFEST_BYTES}`,
          },
        ],
      };
    }
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
    let value: unknown;
    try {
      // Strict: a manifest (signed or not) must mean one thing, so duplicate keys, numbers that would round
      // and deep nesting are refused before the schema sees the value.
      value = parseStrictJson(text, { maxDepth: MAX_MANIFEST_DEPTH });
    } catch (err) {
      const issue = strictJsonIssue(err, 'ROKU_MANIFEST_JSON_MALFORMED');
      if (issue === undefined) throw err;
      return { ok: false, issues: [issue] };
    }
    return validate(value);
  };

  return { validate, parse };
}
