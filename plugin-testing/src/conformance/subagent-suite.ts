import type { TestPlugin } from '../test-host.js';
import { ConformanceFailure, ensure, errorCodes, preview } from './check.js';
import type { Check } from './check.js';
import type { SuiteEnv } from './env.js';
import { stubServices } from './services.js';

interface SubagentContext {
  readonly env: SuiteEnv;
  readonly op: string;
  readonly tool: string | undefined;
}

const FINAL = 'The file says hello.';

/** An LLM answer: a tool call of `tool` while `callTool(n)` holds, else the final text. */
function answer(tool: string | undefined, callTool: (n: number) => boolean) {
  return (_request: unknown, n: number): unknown =>
    tool !== undefined && callTool(n)
      ? {
          message: {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: `call_${n}`, name: tool, arguments: { path: 'conformance.txt' } }],
          },
          finishReason: 'tool_calls',
          usage: { inputTokens: 10, outputTokens: 5 },
        }
      : {
          message: { role: 'assistant', content: FINAL },
          finishReason: 'stop',
          usage: { inputTokens: 10, outputTokens: 5 },
        };
}

async function run(plugin: TestPlugin, ctx: SubagentContext, maxSteps: number): Promise<unknown> {
  return plugin.call(ctx.op, { task: 'What does conformance.txt say?', maxSteps }, ctx.env.settings);
}

const CHECKS: readonly Check<SubagentContext>[] = [
  {
    name: 'returns the final answer of its run',
    async run(ctx) {
      const { services, log } = stubServices(answer(ctx.tool, (n) => n === 1));
      const plugin = await ctx.env.open({ services });
      const output = await run(plugin, ctx, 6);
      ensure(
        typeof output === 'string' && output.includes(FINAL),
        `the model answered ${preview(FINAL)} after ${log.llmCalls.length} call(s); ${ctx.op} returned ${preview(output)}`,
        "return the model's final answer (a string; a header or attribution around it is fine)",
      );
    },
  },
  {
    name: 'stops within maxSteps',
    async run(ctx) {
      if (ctx.tool === undefined)
        return { skip: 'the runtime is granted no tools, so its model cannot loop' };
      const { services, log } = stubServices(answer(ctx.tool, () => true));
      const plugin = await ctx.env.open({ services });
      const maxSteps = 3;
      try {
        const output = await run(plugin, ctx, maxSteps);
        ensure(
          typeof output === 'string',
          `${ctx.op} returned ${preview(output)}, not a string`,
          'return a string answer (say that the step budget ran out)',
        );
      } catch (err) {
        const { code, pluginCode, message } = errorCodes(err);
        ensure(
          code === 'ROKU_PLUGIN_FAILED' && pluginCode !== undefined && pluginCode !== 'PLUGIN_ERROR',
          `a model that never stops calling tools made ${ctx.op} fail with ${code} (${pluginCode ?? 'no code'}): ${message}`,
          'end the run when maxSteps is spent: return what was found, or throw a coded error',
        );
      }
      ensure(
        log.llmCalls.length <= maxSteps + 1,
        `with maxSteps ${maxSteps}, a model that never stops calling tools was called ${log.llmCalls.length} times`,
        'count model calls and stop at input.maxSteps (one last call asking for an answer is allowed)',
      );
      return undefined;
    },
  },
  {
    name: 'fails cleanly beyond its grants',
    async run(ctx) {
      const { services } = stubServices(answer(ctx.tool, (n) => n === 1));
      const plugin = await ctx.env.open({ services, permissions: {} });
      try {
        await run(plugin, ctx, 4);
      } catch (err) {
        if (err instanceof ConformanceFailure) throw err;
        const { code, pluginCode, message } = errorCodes(err);
        ensure(
          code === 'ROKU_PLUGIN_FAILED' && pluginCode !== undefined && pluginCode !== 'PLUGIN_ERROR',
          `with no permissions granted, ${ctx.op} failed with ${code} (${pluginCode ?? 'no code'}): ${message}`,
          'let ROKU_CAPABILITY_DENIED from ctx.llm / ctx.tools through, or throw a coded error naming the missing grant; never crash or hang',
        );
      }
    },
  },
];

/**
 * The sub-agent suite, with a stub LLM and tools: a runtime returns its model's final answer, stops within
 * `maxSteps` when the model never stops calling tools, and fails cleanly (a coded error) with nothing granted.
 */
export function subagentChecks(env: SuiteEnv) {
  const runtime = env.manifest.contributes.subagentRuntimes?.[0];
  if (runtime === undefined) throw new Error(`${env.dir}: the manifest contributes no sub-agent runtime`);
  const tool = env.manifest.permissions?.capabilities?.tools?.find((t) => !t.endsWith('*'));
  return Promise.resolve({ checks: CHECKS, context: { env, op: `subagent:${runtime.name}:run`, tool } });
}
