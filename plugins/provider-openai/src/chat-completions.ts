import type OpenAI from 'openai';
import { ProviderError } from '@roku/plugin-api';
import type { ChatMessage, ChatRequest, ChatResponse, FinishReason, PluginContext } from '@roku/plugin-api';
import { EventPipe } from '@roku/plugin-api';
import { ToolCallAssembler } from './tool-calls.js';
import { usageFromChat } from './usage.js';
import type { LooseChatUsage } from './usage.js';

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toWire(message: ChatMessage): WireMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      return { role: 'tool', content: message.content, tool_call_id: message.toolCallId ?? '' };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls === undefined || message.toolCalls.length === 0
          ? {}
          : {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
              })),
            }),
      };
  }
}

const FINISH: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'max_tokens',
  content_filter: 'content_filter',
};

export interface ChatCompletionsOptions {
  /** Names the provider in messages. */
  readonly label: string;
  readonly reasoningEffort?: string | undefined;
  /** Send `prompt_cache_key` (OpenAI itself; compatible servers may refuse unknown fields). */
  readonly promptCacheKey: boolean;
  /**
   * Accept a stream that ends without a finish reason, chunks without `choices` and missing usage (servers that
   * only mostly speak the protocol). Without it such a stream is an error.
   */
  readonly tolerant: boolean;
}

/** The request body of a streamed chat completion. */
export function chatCompletionsBody(
  request: ChatRequest,
  options: ChatCompletionsOptions,
): OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming {
  return {
    model: request.model,
    messages: request.messages.map(toWire),
    stream: true,
    stream_options: { include_usage: true },
    ...(request.maxTokens === undefined ? {} : { max_completion_tokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(options.promptCacheKey && request.sessionId !== undefined
      ? { prompt_cache_key: request.sessionId }
      : {}),
    ...(options.reasoningEffort === undefined
      ? {}
      : { reasoning_effort: options.reasoningEffort as OpenAI.ReasoningEffort }),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: {
              name: tool.name,
              description: tool.description,
              parameters: tool.inputSchema as Record<string, unknown>,
            },
          })),
        }),
  };
}

/** A chunk as servers really send it: compatible ones leave out fields the SDK's types promise. */
interface LooseChunk {
  readonly model?: unknown;
  readonly usage?: LooseChatUsage | null;
  readonly choices?:
    | readonly {
        readonly delta?: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta | null;
        readonly finish_reason?: string | null;
      }[]
    | null;
}

/** Streams one chat completion: text and tool-call deltas go to the host as they arrive. */
export async function streamChatCompletion(
  client: OpenAI,
  request: ChatRequest,
  ctx: PluginContext,
  options: ChatCompletionsOptions,
): Promise<ChatResponse> {
  const stream = await client.chat.completions.create(chatCompletionsBody(request, options), {
    signal: ctx.signal,
  });
  let text = '';
  let finish: FinishReason | undefined;
  let model: string | undefined;
  let usage: ChatResponse['usage'];
  const events = new EventPipe(ctx);
  const calls = new ToolCallAssembler();
  for await (const raw of stream) {
    const chunk = raw as LooseChunk | null;
    if (typeof chunk !== 'object' || chunk === null) continue;
    if (typeof chunk.model === 'string' && chunk.model !== '') model ??= chunk.model;
    if (chunk.usage !== undefined && chunk.usage !== null) {
      usage = usageFromChat(chunk.usage);
      await events.send({ type: 'usage', usage });
    }
    const choice = chunk.choices?.[0];
    if (choice === undefined) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      text += delta.content;
      await events.send({ type: 'text-delta', text: delta.content });
    }
    for (const call of delta.tool_calls ?? []) {
      await calls.add(events, call.index, {
        id: call.id,
        name: call.function?.name,
        args: call.function?.arguments,
      });
    }
    if (typeof choice.finish_reason === 'string') finish = FINISH[choice.finish_reason] ?? 'stop';
  }
  if (finish === undefined) {
    if (!options.tolerant) {
      throw new ProviderError(
        'PROVIDER_CONNECTION_FAILED',
        `${options.label}: the stream ended before its final chunk (no finish_reason)`,
      );
    }
    finish = calls.size > 0 ? 'tool_calls' : 'stop';
  }
  await events.flush();
  const toolCalls = calls.calls();
  return {
    message: { role: 'assistant', content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) },
    finishReason: finish,
    ...(usage === undefined ? {} : { usage }),
    ...(model === undefined ? {} : { model }),
  };
}
