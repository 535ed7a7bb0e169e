import type { ChatResponse, ChatStreamEvent, FinishReason, TokenUsage, ToolCall } from '@roku/schemas';
import { strictJsonParse } from '@roku/schemas';

/**
 * Strict checks of what provider plugins return and stream. Every value is rebuilt from known fields (unknown
 * fields are dropped), so later code never sees a plugin's prototype tricks or stray fields.
 */

/** Largest assistant text, in UTF-8 bytes. */
export const MAX_CONTENT_BYTES = 1024 * 1024;
/** Most tool calls in one response. */
export const MAX_TOOL_CALLS = 128;
/** Largest tool-call arguments, as JSON bytes. */
export const MAX_ARGUMENTS_BYTES = 1024 * 1024;
/** Most text and argument bytes streamed during one attempt. */
export const MAX_STREAMED_BYTES = 4 * 1024 * 1024;
/** Longest tool-call id, tool name or model name. */
export const MAX_NAME_CHARS = 256;

const FINISH_REASONS: readonly FinishReason[] = [
  'stop',
  'tool_calls',
  'max_tokens',
  'content_filter',
  'error',
];

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly path: string; readonly message: string };

class Problem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

type Plain = Readonly<Record<string, unknown>>;

function isPlainObject(value: unknown): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function object(value: unknown, path: string): Plain {
  if (!isPlainObject(value)) throw new Problem(path, 'must be an object');
  return value;
}

function string(value: unknown, path: string, maxChars: number): string {
  if (typeof value !== 'string') throw new Problem(path, 'must be a string');
  if (value.length > maxChars) throw new Problem(path, `must be at most ${maxChars} characters`);
  return value;
}

function text(value: unknown, path: string, maxBytes: number): string {
  if (typeof value !== 'string') throw new Problem(path, 'must be a string');
  if (value.length > maxBytes || Buffer.byteLength(value) > maxBytes) {
    throw new Problem(path, `must be at most ${maxBytes} bytes`);
  }
  return value;
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Problem(path, 'must be a non-negative finite number');
  }
  return value;
}

function usageOf(value: unknown, path: string): TokenUsage {
  const raw = object(value, path);
  const usage: { -readonly [K in keyof TokenUsage]: TokenUsage[K] } = {
    inputTokens: count(raw.inputTokens, `${path}/inputTokens`),
    outputTokens: count(raw.outputTokens, `${path}/outputTokens`),
  };
  if (raw.cacheReadTokens !== undefined) {
    usage.cacheReadTokens = count(raw.cacheReadTokens, `${path}/cacheReadTokens`);
  }
  if (raw.cacheWriteTokens !== undefined) {
    usage.cacheWriteTokens = count(raw.cacheWriteTokens, `${path}/cacheWriteTokens`);
  }
  if (raw.reasoningTokens !== undefined) {
    usage.reasoningTokens = count(raw.reasoningTokens, `${path}/reasoningTokens`);
  }
  return usage;
}

/** Tool-call arguments: an object, or JSON text of one ('' means no arguments). */
function argumentsOf(value: unknown, path: string): Plain {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.length > MAX_ARGUMENTS_BYTES)
      throw new Problem(path, `must be at most ${MAX_ARGUMENTS_BYTES} bytes`);
    if (value.trim() === '') return {};
    try {
      parsed = strictJsonParse(value);
    } catch (err) {
      throw new Problem(path, `is a string that is not valid JSON: ${(err as Error).message}`);
    }
  }
  const args = object(parsed, path);
  if (Buffer.byteLength(JSON.stringify(args)) > MAX_ARGUMENTS_BYTES) {
    throw new Problem(path, `must be at most ${MAX_ARGUMENTS_BYTES} bytes as JSON`);
  }
  return args;
}

function toolCallsOf(value: unknown, path: string): ToolCall[] {
  if (!Array.isArray(value)) throw new Problem(path, 'must be an array');
  if (value.length > MAX_TOOL_CALLS) throw new Problem(path, `must have at most ${MAX_TOOL_CALLS} items`);
  const seen = new Set<string>();
  return value.map((item: unknown, index) => {
    const at = `${path}/${index}`;
    const raw = object(item, at);
    // Some OpenAI-compatible APIs omit call ids; the loop needs one to pair the tool result with the call.
    const givenId = string(raw.id, `${at}/id`, MAX_NAME_CHARS);
    const id = givenId === '' ? `call_${index}` : givenId;
    if (seen.has(id)) throw new Problem(`${at}/id`, `duplicates the id of an earlier tool call ('${id}')`);
    seen.add(id);
    const name = string(raw.name, `${at}/name`, MAX_NAME_CHARS);
    if (name === '') throw new Problem(`${at}/name`, 'must not be empty');
    return { id, name, arguments: argumentsOf(raw.arguments, `${at}/arguments`) };
  });
}

function responseOf(value: unknown): ChatResponse {
  const raw = object(value, '');
  const rawMessage = object(raw.message, '/message');
  if (rawMessage.role !== 'assistant') throw new Problem('/message/role', "must be 'assistant'");
  const content = text(rawMessage.content, '/message/content', MAX_CONTENT_BYTES);
  const toolCalls =
    rawMessage.toolCalls === undefined ? [] : toolCallsOf(rawMessage.toolCalls, '/message/toolCalls');
  if (
    typeof raw.finishReason !== 'string' ||
    !(FINISH_REASONS as readonly string[]).includes(raw.finishReason)
  ) {
    throw new Problem('/finishReason', `must be one of ${FINISH_REASONS.join(', ')}`);
  }
  const finishReason = raw.finishReason as FinishReason;
  return {
    message: { role: 'assistant', content, ...(toolCalls.length === 0 ? {} : { toolCalls }) },
    finishReason,
    ...(raw.usage === undefined ? {} : { usage: usageOf(raw.usage, '/usage') }),
    ...(raw.model === undefined ? {} : { model: string(raw.model, '/model', MAX_NAME_CHARS) }),
  };
}

/** Checks and normalises a provider's final response. Paths are JSON pointers into the response. */
export function validateChatResponse(value: unknown): Checked<ChatResponse> {
  try {
    return { ok: true, value: responseOf(value) };
  } catch (err) {
    if (err instanceof Problem) return { ok: false, path: err.path, message: err.message };
    throw err;
  }
}

function eventOf(value: unknown, budget: { bytes: number }): ChatStreamEvent {
  const raw = object(value, '');
  const spend = (part: string, path: string): void => {
    budget.bytes += Buffer.byteLength(part);
    if (budget.bytes > MAX_STREAMED_BYTES) {
      throw new Problem(path, `exceeds the ${MAX_STREAMED_BYTES} bytes one response may stream`);
    }
  };
  switch (raw.type) {
    case 'text-delta': {
      const delta = text(raw.text, '/text', MAX_CONTENT_BYTES);
      spend(delta, '/text');
      return { type: 'text-delta', text: delta };
    }
    case 'tool-call-delta': {
      const index = raw.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= MAX_TOOL_CALLS) {
        throw new Problem('/index', `must be an integer from 0 to ${MAX_TOOL_CALLS - 1}`);
      }
      const id = raw.id === undefined ? undefined : string(raw.id, '/id', MAX_NAME_CHARS);
      const name = raw.name === undefined ? undefined : string(raw.name, '/name', MAX_NAME_CHARS);
      const argumentsDelta =
        raw.argumentsDelta === undefined
          ? undefined
          : text(raw.argumentsDelta, '/argumentsDelta', MAX_ARGUMENTS_BYTES);
      if (argumentsDelta !== undefined) spend(argumentsDelta, '/argumentsDelta');
      return {
        type: 'tool-call-delta',
        index,
        ...(id === undefined ? {} : { id }),
        ...(name === undefined ? {} : { name }),
        ...(argumentsDelta === undefined ? {} : { argumentsDelta }),
      };
    }
    case 'usage':
      return { type: 'usage', usage: usageOf(raw.usage, '/usage') };
    default:
      throw new Problem('/type', "must be one of 'text-delta', 'tool-call-delta', 'usage'");
  }
}

/**
 * A validator for the events of one streamed attempt; it also caps the bytes streamed in total
 * (MAX_STREAMED_BYTES). Paths are JSON pointers into the event.
 */
export function createStreamValidator(): (event: unknown) => Checked<ChatStreamEvent> {
  const budget = { bytes: 0 };
  return (event) => {
    try {
      return { ok: true, value: eventOf(event, budget) };
    } catch (err) {
      if (err instanceof Problem) return { ok: false, path: err.path, message: err.message };
      throw err;
    }
  };
}

/** Whether an event shows the user something, after which a failed attempt must not be retried. */
export function isContentBearing(event: ChatStreamEvent): boolean {
  switch (event.type) {
    case 'text-delta':
      return event.text.length > 0;
    case 'tool-call-delta':
      return true;
    case 'usage':
      return false;
  }
}
