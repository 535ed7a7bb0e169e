import OpenAI from 'openai';
import { ProviderError, definePlugin, defineProvider, providerErrorCodeForStatus } from '@roku/plugin-api';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  FinishReason,
  PluginContext,
  ToolCall,
} from '@roku/plugin-api';

interface Settings {
  baseURL?: string;
  maxRetries?: number;
}

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
                function: { name: call.name, arguments: JSON.stringify(call.arguments) },
              })),
            }),
      };
  }
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'max_tokens',
  content_filter: 'content_filter',
};

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch {
    return { _raw: text };
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after-ms') ?? headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return headers?.get('retry-after-ms') === value ? seconds : seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Maps the SDK's errors to the codes the host's router retries, fails over or gives up on. */
function providerError(err: unknown): unknown {
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return new ProviderError('PROVIDER_TIMEOUT', err.message);
  if (err instanceof OpenAI.APIConnectionError) {
    return new ProviderError('PROVIDER_CONNECTION_FAILED', err.message);
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const code =
      (err.code ?? '') === 'context_length_exceeded'
        ? 'PROVIDER_CONTEXT_WINDOW_EXCEEDED'
        : providerErrorCodeForStatus(err.status);
    const after = retryAfterMs(err.headers as Headers | undefined);
    return new ProviderError(code, err.message, after === undefined ? {} : { retryAfterMs: after });
  }
  return err;
}

async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  try {
    return await streamChat(request, ctx);
  } catch (err) {
    throw providerError(err);
  }
}

async function streamChat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = (ctx.config ?? {}) as Settings;
  const client = new OpenAI({
    // The real key never enters the sandbox: the host swaps this placeholder in on the way out.
    apiKey: ctx.secret('OPENAI_API_KEY'),
    baseURL: settings.baseURL ?? 'https://api.openai.com/v1',
    // The host's router retries (with backoff, Retry-After and a circuit breaker); the SDK does not by default.
    maxRetries: settings.maxRetries ?? 0,
    fetch: (input, init) => ctx.fetch(input, init),
  });
  const stream = await client.chat.completions.create({
    model: request.model,
    messages: request.messages.map(toWire),
    stream: true,
    stream_options: { include_usage: true },
    ...(request.maxTokens === undefined ? {} : { max_completion_tokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
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
  });
  let text = '';
  let finish: FinishReason = 'stop';
  let model: string | undefined;
  let usage: ChatResponse['usage'];
  const calls: { id: string; name: string; args: string }[] = [];
  for await (const chunk of stream) {
    model ??= chunk.model;
    if (chunk.usage) {
      usage = {
        inputTokens: chunk.usage.prompt_tokens,
        outputTokens: chunk.usage.completion_tokens,
        cacheReadTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
      };
      await ctx.emit({ type: 'usage', usage });
    }
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    const delta = choice.delta;
    if (typeof delta.content === 'string' && delta.content !== '') {
      text += delta.content;
      await ctx.emit({ type: 'text-delta', text: delta.content });
    }
    for (const call of delta.tool_calls ?? []) {
      const slot = (calls[call.index] ??= { id: '', name: '', args: '' });
      if (call.id !== undefined) slot.id = call.id;
      if (call.function?.name !== undefined) slot.name += call.function.name;
      if (call.function?.arguments !== undefined) slot.args += call.function.arguments;
      await ctx.emit({
        type: 'tool-call-delta',
        index: call.index,
        ...(call.id === undefined ? {} : { id: call.id }),
        ...(call.function?.name === undefined ? {} : { name: call.function.name }),
        ...(call.function?.arguments === undefined ? {} : { argumentsDelta: call.function.arguments }),
      });
    }
    if (choice.finish_reason !== null) finish = FINISH[choice.finish_reason] ?? 'stop';
  }
  const toolCalls: ToolCall[] = calls.map((c) => ({
    id: c.id,
    name: c.name,
    arguments: parseArguments(c.args),
  }));
  return {
    message: { role: 'assistant', content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) },
    finishReason: finish,
    ...(usage === undefined ? {} : { usage }),
    ...(model === undefined ? {} : { model }),
  };
}

export default definePlugin({ providers: [defineProvider({ name: 'openai', chat })] });
