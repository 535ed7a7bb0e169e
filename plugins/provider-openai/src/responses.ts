import type OpenAI from 'openai';
import { ProviderError } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, FinishReason, PluginContext, TokenUsage } from '@roku/plugin-api';
import { EventPipe } from '@roku/plugin-api';
import { ToolCallAssembler } from './tool-calls.js';
import { usageFromResponses } from './usage.js';
import type { LooseResponsesUsage } from './usage.js';

type InputItem = OpenAI.Responses.ResponseInputItem;

/** System messages become `instructions`; the rest becomes `input` items. */
function toInput(request: ChatRequest): { instructions: string; input: InputItem[] } {
  const instructions: string[] = [];
  const input: InputItem[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        instructions.push(message.content);
        break;
      case 'user':
        input.push({ role: 'user', content: message.content });
        break;
      case 'tool':
        input.push({
          type: 'function_call_output',
          call_id: message.toolCallId ?? '',
          output: message.content,
        });
        break;
      case 'assistant':
        if (message.content !== '') input.push({ role: 'assistant', content: message.content });
        for (const call of message.toolCalls ?? []) {
          input.push({
            type: 'function_call',
            call_id: call.id,
            name: call.name,
            arguments: JSON.stringify(call.arguments ?? {}),
          });
        }
        break;
    }
  }
  return { instructions: instructions.join('\n\n'), input };
}

export interface ResponsesOptions {
  readonly label: string;
  readonly reasoningEffort?: string | undefined;
  readonly reasoningSummary?: string | undefined;
}

/** The request body of a streamed Responses API call (stateless: `store: false`). */
export function responsesBody(
  request: ChatRequest,
  options: ResponsesOptions,
): OpenAI.Responses.ResponseCreateParamsStreaming {
  const { instructions, input } = toInput(request);
  const reasoning =
    options.reasoningEffort === undefined && options.reasoningSummary === undefined
      ? undefined
      : {
          ...(options.reasoningEffort === undefined
            ? {}
            : { effort: options.reasoningEffort as OpenAI.ReasoningEffort }),
          ...(options.reasoningSummary === undefined
            ? {}
            : { summary: options.reasoningSummary as 'auto' | 'concise' | 'detailed' }),
        };
  return {
    model: request.model,
    input,
    stream: true,
    store: false,
    ...(instructions === '' ? {} : { instructions }),
    ...(request.sessionId === undefined ? {} : { prompt_cache_key: request.sessionId }),
    ...(request.maxTokens === undefined ? {} : { max_output_tokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            name: tool.name,
            description: tool.description,
            parameters: tool.inputSchema as Record<string, unknown>,
            strict: false,
          })),
        }),
  };
}

/** The response's usage: typed as always present, but servers send null or leave it out. */
function usageOf(response: { readonly usage?: LooseResponsesUsage | null }): TokenUsage | undefined {
  return response.usage === undefined || response.usage === null
    ? undefined
    : usageFromResponses(response.usage);
}

function failed(label: string, response: OpenAI.Responses.Response): ProviderError {
  const error = response.error;
  const message = error?.message ?? 'the response failed';
  const code = error?.code ?? '';
  if (/context|too long/i.test(`${code} ${message}`)) {
    return new ProviderError('PROVIDER_CONTEXT_WINDOW_EXCEEDED', `${label}: ${message}`);
  }
  if (code === 'rate_limit_exceeded') return new ProviderError('PROVIDER_RATE_LIMIT', `${label}: ${message}`);
  if (code === 'server_error') return new ProviderError('PROVIDER_SERVER_ERROR', `${label}: ${message}`);
  return new ProviderError('PROVIDER_FATAL', `${label}: ${code === '' ? '' : `${code}: `}${message}`);
}

/**
 * Streams one Responses API call: output text and function-call argument deltas go to the host as they
 * arrive; reasoning summaries are logged (the host has no event for them yet); usage comes with
 * `response.completed` or `response.incomplete`.
 */
export async function streamResponse(
  client: OpenAI,
  request: ChatRequest,
  ctx: PluginContext,
  options: ResponsesOptions,
): Promise<ChatResponse> {
  const stream = await client.responses.create(responsesBody(request, options), { signal: ctx.signal });
  let text = '';
  let final: OpenAI.Responses.Response | undefined;
  const events = new EventPipe(ctx);
  const calls = new ToolCallAssembler();
  // Function calls by output index, numbered in the order they appear.
  const callIndex = new Map<number, number>();
  let summary = '';
  for await (const event of stream) {
    // Only these events matter; the API has many more (and adds new ones), all ignored.
    if (event.type === 'response.output_text.delta') {
      if (event.delta !== '') {
        text += event.delta;
        await events.send({ type: 'text-delta', text: event.delta });
      }
    } else if (event.type === 'response.output_item.added') {
      if (event.item.type === 'function_call') {
        const index = callIndex.size;
        callIndex.set(event.output_index, index);
        await calls.add(events, index, {
          id: event.item.call_id,
          name: event.item.name,
          args: event.item.arguments,
        });
      }
    } else if (event.type === 'response.function_call_arguments.delta') {
      const index = callIndex.get(event.output_index);
      if (index !== undefined) await calls.add(events, index, { args: event.delta });
    } else if (event.type === 'response.reasoning_summary_text.delta') {
      summary += event.delta;
    } else if (event.type === 'response.completed' || event.type === 'response.incomplete') {
      final = event.response;
    } else if (event.type === 'response.failed') {
      throw failed(options.label, event.response);
    }
  }
  if (final === undefined) {
    throw new ProviderError(
      'PROVIDER_CONNECTION_FAILED',
      `${options.label}: the stream ended before response.completed`,
    );
  }
  if (summary !== '') ctx.log.debug('reasoning summary', { chars: summary.length });
  const usage = usageOf(final);
  if (usage !== undefined) await events.send({ type: 'usage', usage });
  await events.flush();
  const toolCalls = calls.calls();
  const finish: FinishReason =
    final.status === 'incomplete'
      ? final.incomplete_details?.reason === 'content_filter'
        ? 'content_filter'
        : 'max_tokens'
      : toolCalls.length > 0
        ? 'tool_calls'
        : 'stop';
  return {
    message: { role: 'assistant', content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) },
    finishReason: finish,
    ...(usage === undefined ? {} : { usage }),
    model: final.model,
  };
}
