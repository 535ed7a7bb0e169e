import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { ValidationIssue } from './validation.js';

/** Largest JSON Schema a plugin may ship (tool input/output, config), serialized. */
export const MAX_PLUGIN_SCHEMA_BYTES = 64 * 1024;
const MAX_SCHEMA_DEPTH = 32;

function depthOf(value: unknown, depth = 0): number {
  if (typeof value !== 'object' || value === null || depth > MAX_SCHEMA_DEPTH) return depth;
  let max = depth;
  for (const child of Object.values(value)) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}

function findRemoteRef(value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if ((key === '$ref' || key === '$dynamicRef') && typeof child === 'string' && !child.startsWith('#')) {
      return childPath;
    }
    const found = findRemoteRef(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The Ajv type {@link createPluginSchemaAjv} returns. */
export type PluginSchemaAjv = Ajv2020;

/**
 * An Ajv instance reserved for schemas that plugins ship; never shared with the host's own schemas. It does
 * not register the schemas it compiles under their `$id`, so two plugins (or two loads of one) with the same
 * `$id` never collide.
 */
export function createPluginSchemaAjv(): Ajv2020 {
  return new Ajv2020({ strict: false, allErrors: true, validateFormats: false, addUsedSchema: false });
}

/**
 * Compiles a schema a plugin ships (already checked by {@link checkPluginSchema} when its manifest was read)
 * with a plugin-schema Ajv, then forgets it there again: the validator keeps working, and the same `$id`
 * compiled later (a reload, another plugin) compiles afresh instead of throwing "already exists".
 *
 * The root `$id` is left out of what Ajv sees: with remote references refused it names nothing a `$ref` can
 * reach, and Ajv's `removeSchema` drops whatever it has registered under that id, so a plugin schema with
 * `$id` set to the meta-schema's URI would otherwise unregister the meta-schema for every later check.
 *
 * @throws Error from Ajv when the schema does not compile
 */
export function compilePluginSchema(ajv: Ajv2020, schema: object): ValidateFunction {
  const withoutId: Record<string, unknown> = { ...schema };
  delete withoutId.$id;
  try {
    return ajv.compile(withoutId);
  } finally {
    ajv.removeSchema(withoutId);
  }
}

let sharedAjv: Ajv2020 | undefined;

/** The process's shared plugin-schema Ajv (see {@link createPluginSchemaAjv}): its meta-schema compiles once. */
export function sharedPluginSchemaAjv(): Ajv2020 {
  return (sharedAjv ??= createPluginSchemaAjv());
}

/** Validators kept by {@link pluginSchemaValidator}: at most this many, and this many bytes of schema text. */
const MAX_CACHED_VALIDATORS = 512;
const MAX_CACHED_SCHEMA_BYTES = 8 * 1024 * 1024;
/** By the schema's JSON text, least recently used first. */
const validators = new Map<string, ValidateFunction>();
let cachedBytes = 0;

/**
 * The validator of a schema a plugin ships (already checked against the meta-schema when its manifest was read),
 * shared by every load in this process with the same schema text: a reload, a restart of the sandbox or a
 * second plugin with the same schema skips Ajv's compile, and a fresh Ajv instance (which compiles the whole
 * 2020-12 meta-schema first, about 10 ms) is made once. Safe to share: a plugin Ajv neither registers `$id`s
 * nor applies defaults, so a validator is a pure function of the schema text, and `validate.errors` is read
 * synchronously after each use.
 *
 * @throws Error from Ajv when the schema does not compile (nothing is cached then)
 */
export function pluginSchemaValidator(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  const known = validators.get(key);
  if (known !== undefined) {
    validators.delete(key);
    validators.set(key, known);
    return known;
  }
  const validate = compilePluginSchema(sharedPluginSchemaAjv(), schema);
  validators.set(key, validate);
  cachedBytes += key.length;
  for (const [oldKey] of validators) {
    if (validators.size <= MAX_CACHED_VALIDATORS && cachedBytes <= MAX_CACHED_SCHEMA_BYTES) break;
    validators.delete(oldKey);
    cachedBytes -= oldKey.length;
  }
  return validate;
}

/**
 * Checks that a schema supplied by a plugin is a valid, self-contained JSON Schema 2020-12 that compiles.
 * Uses an Ajv instance reserved for plugin schemas (never the host's), removes the schema from it again
 * after the check (so plugins' `$id`s never meet), refuses remote references and caps size and depth.
 * Returns the problems found, with paths under `basePath`; an empty list means the schema is usable.
 */
export function checkPluginSchema(
  schema: unknown,
  basePath: string,
  code: string,
  options: { requireObjectType?: boolean; ajv?: Ajv2020; compile?: boolean } = {},
): ValidationIssue[] {
  const bytes = Buffer.byteLength(JSON.stringify(schema), 'utf8');
  if (bytes > MAX_PLUGIN_SCHEMA_BYTES) {
    return [
      {
        code,
        path: basePath,
        message: `is ${bytes} bytes; a plugin schema may be at most ${MAX_PLUGIN_SCHEMA_BYTES}`,
      },
    ];
  }
  if (depthOf(schema) > MAX_SCHEMA_DEPTH) {
    return [{ code, path: basePath, message: `nests deeper than ${MAX_SCHEMA_DEPTH} levels` }];
  }
  const remote = findRemoteRef(schema, basePath);
  if (remote !== undefined) {
    return [
      {
        code,
        path: remote,
        message: 'must be a local reference starting with #; remote $ref is not allowed',
      },
    ];
  }
  if (options.requireObjectType === true && (schema as { type?: unknown }).type !== 'object') {
    return [{ code, path: `${basePath}/type`, message: 'must be "object": tool inputs are JSON objects' }];
  }
  const ajv = options.ajv ?? sharedPluginSchemaAjv();
  let metaOk: boolean;
  try {
    metaOk = ajv.validateSchema(schema as object) as boolean;
  } catch (err) {
    // Ajv throws on some hostile shapes (a non-string $schema) instead of reporting them.
    return [{ code, path: basePath, message: `is not valid JSON Schema: ${(err as Error).message}` }];
  }
  if (!metaOk) {
    // The meta-schema reports each bad keyword once per anyOf branch; the first says it best.
    const byPath = new Map<string, ValidationIssue>();
    for (const e of ajv.errors ?? []) {
      const path = `${basePath}${e.instancePath}`;
      if (!byPath.has(path))
        byPath.set(path, { code, path, message: `is not valid JSON Schema: ${e.message ?? e.keyword}` });
    }
    return [...byPath.values()];
  }
  if (options.compile === false) return [];
  try {
    compilePluginSchema(ajv, schema as object);
  } catch (err) {
    return [{ code, path: basePath, message: `does not compile: ${(err as Error).message}` }];
  }
  return [];
}
