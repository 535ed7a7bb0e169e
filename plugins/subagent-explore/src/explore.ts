import type { ChatMessage, PluginContext, SubagentTask, ToolCall } from '@roku/plugin-api';
import { EXPLORE_TOOLS, EXPLORE_TOOL_NAMES } from './tools.js';

interface Settings {
  readonly maxSteps: number;
  readonly resultMaxChars: number;
  readonly toolResultMaxChars: number;
}

const DEFAULTS: Settings = { maxSteps: 8, resultMaxChars: 4000, toolResultMaxChars: 8000 };

const SYSTEM = [
  'You are an explore sub-agent. Answer the task by reading the workspace with read_file and list_dir.',
  'You cannot change anything. Be brief: answer with what you found and where (file paths).',
].join('\n');

function readSettings(config: unknown): Settings {
  const raw = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const int = (name: keyof Settings): number => {
    const v = raw[name];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULTS[name];
  };
  return {
    maxSteps: int('maxSteps'),
    resultMaxChars: int('resultMaxChars'),
    toolResultMaxChars: int('toolResultMaxChars'),
  };
}

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}… [cut to ${max} characters]`;
}

async function runTool(call: ToolCall, ctx: PluginContext, max: number): Promise<ChatMessage> {
  const reply = (content: string, isError: boolean): ChatMessage => ({
    role: 'tool',
    toolCallId: call.id,
    content: cut(content, max),
    ...(isError ? { isError: true } : {}),
  });
  if (!EXPLORE_TOOL_NAMES.has(call.name))
    return reply(`error: ${call.name} is not available to explore`, true);
  try {
    const output = await ctx.tools.invoke(call.name, call.arguments ?? {});
    return reply(typeof output === 'string' ? output : JSON.stringify(output), false);
  } catch (err) {
    return reply(`error: ${err instanceof Error ? err.message : String(err)}`, true);
  }
}

/**
 * The explore loop: the model reads with the read-only tools until it answers in text or the steps run out
 * (at most the parent's reserved steps and `maxSteps`). The answer is attributed (runtime, steps, tools used)
 * and capped at `resultMaxChars`.
 */
export async function explore(task: SubagentTask, ctx: PluginContext): Promise<string> {
  const settings = readSettings(ctx.config);
  const budget = Math.max(
    1,
    Math.min(settings.maxSteps, Number.isInteger(task.maxSteps) ? task.maxSteps : 1),
  );
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: task.task },
  ];
  const used = new Map<string, number>();
  let answer = '';
  let steps = 0;
  while (steps < budget) {
    if (ctx.signal.aborted) break;
    steps += 1;
    const response = await ctx.llm.chat({ model: '', messages, tools: EXPLORE_TOOLS, maxTokens: 2048 });
    const { content, toolCalls = [] } = response.message;
    messages.push(
      toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content },
    );
    answer = content;
    if (toolCalls.length === 0) break;
    // The calls of one step are independent reads: run them together.
    const results = await Promise.all(
      toolCalls.map((call) => runTool(call, ctx, settings.toolResultMaxChars)),
    );
    for (const call of toolCalls) used.set(call.name, (used.get(call.name) ?? 0) + 1);
    messages.push(...results);
    if (steps === budget)
      answer = `${content}\n[explore: stopped after ${budget} steps without a final answer]`;
  }
  const tools = [...used].map(([name, n]) => `${name}×${n}`).join(', ') || 'none';
  return cut(
    `[explore sub-agent · ${steps} step${steps === 1 ? '' : 's'} · tools: ${tools}]\n${answer.trim()}`,
    settings.resultMaxChars,
  );
}
