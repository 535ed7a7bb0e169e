import type OpenAI from 'openai';
import type { TokenUsage } from '@roku/plugin-api';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** Chat Completions usage: cached tokens in prompt_tokens_details, reasoning in completion_tokens_details. */
export function usageFromChat(usage: OpenAI.CompletionUsage): TokenUsage {
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens);
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cacheReadTokens: count(usage.prompt_tokens_details?.cached_tokens),
    ...(reasoning === 0 ? {} : { reasoningTokens: reasoning }),
  };
}

/** Responses usage: input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens. */
export function usageFromResponses(usage: OpenAI.Responses.ResponseUsage): TokenUsage {
  const reasoning = count(usage.output_tokens_details.reasoning_tokens);
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cacheReadTokens: count(usage.input_tokens_details.cached_tokens),
    ...(reasoning === 0 ? {} : { reasoningTokens: reasoning }),
  };
}
