import type { ChatRequest, FinishReason, ToolCall, ToolSpec } from '@roku/plugin-api';
import { toolNameOf, trailingToolResults } from './conversation.js';
import type { Conversation } from './conversation.js';
import type { ScriptStep } from './settings.js';

/** What the model says: text and tool calls, before streaming. */
export interface Answer {
  readonly content: string;
  readonly toolCalls: readonly ToolCall[];
  readonly finishReason: FinishReason;
}

/** Longest tool result quoted back by the tool-result rule. */
export const MAX_QUOTED_RESULT_CHARS = 2000;

/** `text` cut to at most `max` UTF-16 units, never inside a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not leave half of a surrogate pair at the end.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The one string property a free-text argument belongs in: the only required string, else the only string. */
function soleStringProperty(schema: unknown): string | undefined {
  if (!isObject(schema) || !isObject(schema.properties)) return undefined;
  const strings = Object.entries(schema.properties)
    .filter(
      ([, p]) => isObject(p) && (p.type === 'string' || (Array.isArray(p.type) && p.type.includes('string'))),
    )
    .map(([name]) => name);
  const required = Array.isArray(schema.required) ? schema.required : [];
  const requiredStrings = strings.filter((name) => required.includes(name));
  if (requiredStrings.length === 1) return requiredStrings[0];
  return strings.length === 1 ? strings[0] : undefined;
}

function toolArguments(tool: ToolSpec, rest: string): Record<string, unknown> {
  if (rest.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON: the text is the argument.
    }
  }
  const property = soleStringProperty(tool.inputSchema);
  return property === undefined ? {} : { [property]: rest };
}

const FIRST_WORD = /^\s*(\S+)\s*([\s\S]*)$/;

function word(text: string): string {
  return text.toLowerCase().replace(/[:,.!?;]+$/, '');
}

/** The tool the message names by its first word (or after "use"/"call"), with the rest of the message. */
function namedTool(
  message: string,
  tools: readonly ToolSpec[],
): { tool: ToolSpec; rest: string } | undefined {
  const byName = (name: string): ToolSpec | undefined => tools.find((t) => t.name.toLowerCase() === name);
  const first = FIRST_WORD.exec(message);
  if (first === null) return undefined;
  const [, head = '', tail = ''] = first;
  const direct = byName(word(head));
  if (direct !== undefined) return { tool: direct, rest: tail.trim() };
  if (word(head) !== 'use' && word(head) !== 'call') return undefined;
  const second = FIRST_WORD.exec(tail);
  if (second === null) return undefined;
  const [, name = '', rest = ''] = second;
  const tool = byName(word(name));
  return tool === undefined ? undefined : { tool, rest: rest.trim() };
}

/**
 * The built-in rules, used when no script step is due: answer tool results, call a tool the user names, or
 * echo the user.
 */
export function ruleAnswer(request: ChatRequest, conversation: Conversation): Answer {
  const results = trailingToolResults(request.messages);
  if (results.length > 0) {
    const lines = results.map((result) => {
      const name = toolNameOf(request.messages, result.toolCallId) ?? 'tool';
      return `${name} returned: ${cut(result.content, MAX_QUOTED_RESULT_CHARS)}`;
    });
    return { content: lines.join('\n'), toolCalls: [], finishReason: 'stop' };
  }
  const named = namedTool(conversation.lastUser, request.tools ?? []);
  if (named !== undefined) {
    const call: ToolCall = {
      id: `call_${conversation.turn}_0`,
      name: named.tool.name,
      arguments: toolArguments(named.tool, named.rest),
    };
    return { content: '', toolCalls: [call], finishReason: 'tool_calls' };
  }
  return { content: `You said: ${conversation.lastUser}`, toolCalls: [], finishReason: 'stop' };
}

/** A scripted step's answer; a step with neither text nor tool calls answers with the rules. */
export function stepAnswer(step: ScriptStep, request: ChatRequest, conversation: Conversation): Answer {
  if (step.text === undefined && step.toolCalls === undefined) {
    const answer = ruleAnswer(request, conversation);
    return answer.toolCalls.length > 0 ? answer : { ...answer, finishReason: step.finishReason ?? 'stop' };
  }
  const toolCalls = (step.toolCalls ?? []).map((call, n): ToolCall => ({
    id: call.id ?? `call_${conversation.turn}_${n}`,
    name: call.name,
    arguments: call.arguments,
  }));
  return {
    content: step.text ?? '',
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : (step.finishReason ?? 'stop'),
  };
}
