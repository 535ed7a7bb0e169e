import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pluginSchemaValidator } from '@roku/schemas';
import type { PlainJson } from '@roku/host';
import type { TestPlugin } from '../test-host.js';
import { ConformanceFailure, ensure, errorCodes, preview } from './check.js';
import type { Check } from './check.js';
import type { SuiteEnv } from './env.js';
import { startLoopback } from './loopback.js';
import type { Loopback } from './loopback.js';
import { sampleInput } from './sample-input.js';

/** What an author may tell the tool suite (`roku.conformance.json` → `tool`). */
export interface ToolProfile {
  /** Inputs to call each tool with, by tool name; `{{origin}}` in a string becomes the suite's loopback origin. */
  readonly inputs?: Readonly<Record<string, readonly unknown[]>>;
  /** Files to put in the workspace first, by relative path. */
  readonly workspace?: Readonly<Record<string, string>>;
}

interface ToolDecl {
  readonly name: string;
  readonly inputSchema: unknown;
  readonly outputSchema?: unknown;
}

interface ToolContext {
  readonly env: SuiteEnv;
  readonly plugin: TestPlugin;
  readonly upstream: Loopback;
  readonly inputs: (tool: ToolDecl) => unknown[];
  readonly seed: (workspace: string) => void;
}

const SAMPLE_FILE = 'conformance.txt';

function substitute(value: unknown, origin: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{{origin}}', origin);
  if (Array.isArray(value)) return value.map((v) => substitute(v, origin));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, origin)]));
  }
  return value;
}

/** A failure a tool may answer with: the plugin's own error with a code, not a crash, timeout or limit. */
function cleanFailure(err: unknown): string | undefined {
  const { code, pluginCode, message } = errorCodes(err);
  if (code !== 'ROKU_PLUGIN_FAILED') return `${code}: ${message}`;
  if (pluginCode === undefined || pluginCode === 'PLUGIN_ERROR')
    return `an uncoded error (${pluginCode ?? 'no code'}): ${message}`;
  if (message.trim() === '') return `${pluginCode} with an empty message`;
  return undefined;
}

function outputCheck(tool: ToolDecl): Check<ToolContext> {
  return {
    name: `tool ${tool.name}: outputs match its outputSchema`,
    async run(ctx) {
      const validate =
        tool.outputSchema === undefined ? undefined : pluginSchemaValidator(tool.outputSchema as object);
      let answered = 0;
      for (const input of ctx.inputs(tool)) {
        let output: PlainJson;
        try {
          output = await ctx.plugin.callTool(tool.name, input, ctx.env.settings);
        } catch (err) {
          const { code, message } = errorCodes(err);
          // The host checks results against outputSchema itself and refuses a mismatch with this code.
          if (code === 'ROKU_TOOL_OUTPUT_INVALID') {
            throw new ConformanceFailure(
              `tool ${tool.name} called with ${preview(input)} returned a result the host refused: ${message.replace(/^.*?outputSchema: /, '')} (outputSchema)`,
              `return what contributes.tools[name=${tool.name}].outputSchema in roku.plugin.json declares, or correct the schema`,
            );
          }
          const dirty = cleanFailure(err);
          ensure(
            dirty === undefined,
            `tool ${tool.name} called with ${preview(input)} failed with ${dirty ?? ''}`,
            'throw errors with a stable code (e.g. { code: "MYTOOL_NOT_FOUND", message }) for inputs you cannot serve; never crash, hang or throw a bare Error',
          );
          continue;
        }
        answered += 1;
        if (validate !== undefined && !validate(output)) {
          const issue = validate.errors?.[0];
          throw new ConformanceFailure(
            `tool ${tool.name} called with ${preview(input)} returned ${preview(output)}: ${issue?.instancePath === '' ? '(root)' : (issue?.instancePath ?? '')} ${issue?.message ?? 'does not match'} (outputSchema)`,
            `return what contributes.tools[name=${tool.name}].outputSchema in roku.plugin.json declares, or correct the schema`,
          );
        }
      }
      if (tool.outputSchema === undefined) return { skip: `tool ${tool.name} declares no outputSchema` };
      if (answered === 0) {
        return {
          skip: `no sample input gave ${tool.name} a result to check; list inputs for it under "tool.inputs" in roku.conformance.json`,
        };
      }
      return undefined;
    },
  };
}

function grantsCheck(tools: readonly ToolDecl[]): Check<ToolContext> {
  return {
    name: 'fails cleanly beyond its grants',
    async run(ctx) {
      // The same plugin with nothing granted: every call must answer (a result, or a coded error).
      const bare = await ctx.env.open({ permissions: {} });
      ctx.seed(ctx.env.workspace());
      for (const tool of tools) {
        for (const input of ctx.inputs(tool).slice(0, 2)) {
          try {
            await bare.callTool(tool.name, input, ctx.env.settings);
          } catch (err) {
            // A result that breaks outputSchema is the other check's finding.
            if (errorCodes(err).code === 'ROKU_TOOL_OUTPUT_INVALID') continue;
            const dirty = cleanFailure(err);
            ensure(
              dirty === undefined,
              `with no permissions granted, tool ${tool.name} called with ${preview(input)} failed with ${dirty ?? ''}`,
              'catch ROKU_CAPABILITY_DENIED from ctx (fs, fetch, process…) and throw a coded error that names the permission the user must grant; do not let the sandbox crash or time out',
            );
          }
        }
      }
      // Still healthy afterwards: the plugin answers again.
      const first = tools[0];
      if (first !== undefined) {
        const input = ctx.inputs(first)[0];
        try {
          await bare.callTool(first.name, input, ctx.env.settings);
        } catch (err) {
          ensure(
            errorCodes(err).code === 'ROKU_TOOL_OUTPUT_INVALID' || cleanFailure(err) === undefined,
            `after its denied calls, tool ${first.name} no longer answers: ${errorCodes(err).code}`,
            'leave no broken state behind a denied capability (unclosed streams, half-written caches)',
          );
        }
      }
    },
  };
}

/**
 * The tool suite: every tool answers sample inputs (from `roku.conformance.json` or sampled from its
 * inputSchema) with a result that matches its outputSchema, or with a coded error; and with nothing granted,
 * every tool still fails cleanly (a coded error, no crash, no timeout) and the plugin keeps answering.
 */
export async function toolChecks(env: SuiteEnv, profile: ToolProfile = {}) {
  const upstream = await startLoopback((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('hello from the conformance server\n');
  });
  const seed = (workspace: string): void => {
    writeFileSync(join(workspace, SAMPLE_FILE), 'hello conformance\nsecond line\n');
    for (const [path, text] of Object.entries(profile.workspace ?? {})) {
      mkdirSync(dirname(join(workspace, path)), { recursive: true });
      writeFileSync(join(workspace, path), text);
    }
  };
  let plugin: TestPlugin;
  try {
    plugin = await env.open({ grants: { network: [upstream.origin] } });
  } catch (err) {
    await upstream.close();
    throw err;
  }
  seed(env.workspace());
  const tools = (env.manifest.contributes.tools ?? []) as readonly ToolDecl[];
  const inputs = (tool: ToolDecl): unknown[] => {
    const listed = profile.inputs?.[tool.name];
    if (listed !== undefined && listed.length > 0) return listed.map((v) => substitute(v, upstream.origin));
    return [sampleInput(tool.inputSchema, { origin: upstream.origin, file: SAMPLE_FILE })];
  };
  const checks = [...tools.map(outputCheck), grantsCheck(tools)];
  return {
    checks,
    context: { env, plugin, upstream, inputs, seed } satisfies ToolContext,
    close: () => upstream.close(),
  };
}
