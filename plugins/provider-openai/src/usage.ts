import type { TokenUsage } from '@roku/plugin-api';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** Usage as servers send it: compatible ones leave out the details objects (or send null). */
export interface LooseChatUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
}

export interface LooseResponsesUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly input_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly output_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
}

/** Chat Completions usage: cached tokens in prompt_tokens_details, reasoning in completion_tokens_details. */
export function usageFromChat(usage: LooseChatUsage): TokenUsage {
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens);
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cacheReadTokens: count(usage.prompt_tokens_details?.cached_tokens),
    ...(reasoning === 0 ? {} : { reasoningTokens: reasoning }),
  };
}

/** Responses usage: input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens. */
export function usageFromResponses(usage: LooseResponsesUsage): TokenUsage {
  const reasoning = count(usage.output_tokens_details?.reasoning_tokens);
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cacheReadTokens: count(usage.input_tokens_details?.cached_tokens),
    ...(reasoning === 0 ? {} : { reasoningTokens: reasoning }),
  };
}
