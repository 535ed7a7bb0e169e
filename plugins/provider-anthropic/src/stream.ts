import type Anthropic from '@anthropic-ai/sdk';
import { ProviderError } from '@roku/plugin-api';
import type { ChatResponse, FinishReason, PluginContext, TokenUsage, ToolCall } from '@roku/plugin-api';
import { EventPipe } from '@roku/plugin-api';
import type { Thought } from './messages.js';

const STOP: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
  pause_turn: 'stop',
  refusal: 'content_filter',
};

function parseInput(text: string): unknown {
  try {
    return JSON.parse(text.trim() === '' ? '{}' : text);
  } catch {
    return { _raw: text };
  }
}

interface Block {
  kind: 'text' | 'tool' | 'thinking' | 'other';
  /** Tool index among this answer's tool calls. */
  tool: number;
  id: string;
  name: string;
  json: string;
  thinking: string;
  signature: string;
}

/**
 * Reads a Messages event stream: text and tool-input deltas go to the host as they arrive, usage comes from
 * message_start (input and cache figures) and message_delta (output), thinking is kept for the tool results.
 */
export async function readMessageStream(
  stream: AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>,
  ctx: PluginContext,
  label: string,
): Promise<{ response: ChatResponse; thought?: Thought }> {
  const events = new EventPipe(ctx);
  // By the stream's block index, which the deltas refer to.
  const blocks = new Map<number, Block>();
  let text = '';
  let model: string | undefined;
  let stop: string | null | undefined;
  let stopped = false;
  let input = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let output = 0;
  let tools = 0;
  for await (const event of stream) {
    switch (event.type) {
      case 'message_start': {
        model = event.message.model;
        const u = event.message.usage;
        cacheRead = u.cache_read_input_tokens ?? 0;
        cacheWrite = u.cache_creation_input_tokens ?? 0;
        input = u.input_tokens + cacheRead + cacheWrite;
        output = u.output_tokens;
        break;
      }
      case 'content_block_start': {
        const cb = event.content_block;
        const block: Block = {
          kind: 'other',
          tool: -1,
          id: '',
          name: '',
          json: '',
          thinking: '',
          signature: '',
        };
        if (cb.type === 'text') {
          block.kind = 'text';
          if (cb.text !== '') {
            text += cb.text;
            await events.send({ type: 'text-delta', text: cb.text });
          }
        } else if (cb.type === 'tool_use') {
          block.kind = 'tool';
          block.tool = tools;
          tools += 1;
          block.id = cb.id;
          block.name = cb.name;
          await events.send({ type: 'tool-call-delta', index: block.tool, id: cb.id, name: cb.name });
        } else if (cb.type === 'thinking') {
          block.kind = 'thinking';
        }
        blocks.set(event.index, block);
        break;
      }
      case 'content_block_delta': {
        const block = blocks.get(event.index);
        const delta = event.delta;
        if (delta.type === 'text_delta' && delta.text !== '') {
          text += delta.text;
          await events.send({ type: 'text-delta', text: delta.text });
        } else if (delta.type === 'input_json_delta' && block?.kind === 'tool' && delta.partial_json !== '') {
          block.json += delta.partial_json;
          await events.send({
            type: 'tool-call-delta',
            index: block.tool,
            argumentsDelta: delta.partial_json,
          });
        } else if (delta.type === 'thinking_delta' && block !== undefined) {
          block.thinking += delta.thinking;
        } else if (delta.type === 'signature_delta' && block !== undefined) {
          block.signature += delta.signature;
        }
        break;
      }
      case 'message_delta':
        stop = event.delta.stop_reason;
        output = event.usage.output_tokens;
        break;
      case 'message_stop':
        stopped = true;
        break;
      case 'content_block_stop':
        break;
    }
  }
  if (!stopped) {
    throw new ProviderError('PROVIDER_CONNECTION_FAILED', `${label}: the stream ended before message_stop`);
  }
  const ordered = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
  const toolCalls: ToolCall[] = ordered
    .filter((b) => b.kind === 'tool')
    .map((b) => ({ id: b.id, name: b.name, arguments: parseInput(b.json) }));
  const thought = ordered.find((b) => b.kind === 'thinking' && b.signature !== '');
  const kept: Thought | undefined =
    thought === undefined || toolCalls.length === 0
      ? undefined
      : {
          toolUseIds: toolCalls.map((c) => c.id),
          block: { type: 'thinking', thinking: thought.thinking, signature: thought.signature },
        };
  const usage: TokenUsage = {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
  await events.send({ type: 'usage', usage });
  await events.flush();
  const response: ChatResponse = {
    message: { role: 'assistant', content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) },
    finishReason: STOP[stop ?? ''] ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage,
    ...(model === undefined ? {} : { model }),
  };
  return kept === undefined ? { response } : { response, thought: kept };
}
