import type { ValidateFunction } from 'ajv';
import { RokuError, pluginSchemaValidator } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';

export interface ToolValidators {
  readonly input?: ValidateFunction;
  readonly output?: ValidateFunction;
}

/**
 * The validators of the tool schemas a plugin declared, compiled by a plugin-schema Ajv (never the host's
 * schemas; `$id`s are not registered, so two tools with the same `$id` do not collide) and shared by schema text
 * across loads: a reload compiles nothing. The manifest was already checked (size, no remote $ref).
 */
export function compileToolSchemas(manifest: PluginManifest): Map<string, ToolValidators> {
  const table = new Map<string, ToolValidators>();
  const tools = manifest.contributes.tools ?? [];
  if (tools.length === 0) return table;
  const compile = (schema: object, where: string): ValidateFunction => {
    try {
      return pluginSchemaValidator(schema);
    } catch (err) {
      throw new RokuError(
        'ROKU_SANDBOX_LOAD_FAILED',
        `${manifest.id}: ${where} does not compile: ${(err as Error).message}`,
      );
    }
  };
  tools.forEach((tool, index) => {
    const at = `/contributes/tools/${index}`;
    table.set(tool.name, {
      input: compile(tool.inputSchema, `${at}/inputSchema`),
      ...(tool.outputSchema === undefined
        ? {}
        : { output: compile(tool.outputSchema, `${at}/outputSchema`) }),
    });
  });
  return table;
}

/** The first schema error as `path message`, for error messages. */
export function firstSchemaError(validate: ValidateFunction): string {
  const error = validate.errors?.[0];
  return error === undefined
    ? 'invalid'
    : `${error.instancePath === '' ? '(root)' : error.instancePath} ${error.message ?? error.keyword}`;
}
