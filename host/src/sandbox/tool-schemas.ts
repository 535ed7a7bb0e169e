import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { PluginManifest } from '@roku/schemas';

export interface ToolValidators {
  readonly input?: ValidateFunction;
  readonly output?: ValidateFunction;
}

/**
 * Compiles the tool schemas a plugin declared, with an Ajv instance of the plugin's own: host schemas and
 * other plugins' schemas never share its cache. The manifest was already checked (size, no remote $ref).
 */
export function compileToolSchemas(manifest: PluginManifest): Map<string, ToolValidators> {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  const table = new Map<string, ToolValidators>();
  for (const tool of manifest.contributes.tools ?? []) {
    table.set(tool.name, {
      input: ajv.compile(tool.inputSchema),
      ...(tool.outputSchema === undefined ? {} : { output: ajv.compile(tool.outputSchema) }),
    });
  }
  return table;
}

/** The first schema error as `path message`, for error messages. */
export function firstSchemaError(validate: ValidateFunction): string {
  const error = validate.errors?.[0];
  return error === undefined
    ? 'invalid'
    : `${error.instancePath === '' ? '(root)' : error.instancePath} ${error.message ?? error.keyword}`;
}
