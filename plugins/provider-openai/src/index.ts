import OpenAI from 'openai';
import { definePlugin, defineProvider } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, PluginContext } from '@roku/plugin-api';
import manifest from '../roku.plugin.json' with { type: 'json' };
import { streamChatCompletion } from './chat-completions.js';
import { providerError } from './errors.js';
import { streamResponse } from './responses.js';
import { settingsOf } from './settings.js';
import type { OpenAiSettings } from './settings.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Models declared with `compact-history` are Responses-API models (spec §5.1); the rest use Chat Completions. */
const DECLARED = new Map(
  manifest.contributes.providers
    .flatMap((p) => p.models)
    .map((m) => [m.id, m.capabilities as readonly string[]]),
);

/** Reasoning settings go only to reasoning models (others refuse them); undeclared models get them too. */
function reasons(model: string): boolean {
  return DECLARED.get(model)?.includes('reasoning') ?? true;
}

function usesResponses(model: string, settings: OpenAiSettings): boolean {
  if (settings.api === 'responses') return true;
  if (settings.api === 'chat-completions') return false;
  return DECLARED.get(model)?.includes('compact-history') ?? false;
}

async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = settingsOf(ctx.config);
  const label = `openai (${request.model})`;
  const effort = reasons(request.model) ? settings.reasoningEffort : undefined;
  const client = new OpenAI({
    // The real key never enters the sandbox: the host swaps this placeholder in on the way out.
    apiKey: ctx.secret('OPENAI_API_KEY'),
    baseURL: settings.baseURL ?? DEFAULT_BASE_URL,
    // The host's router retries (with backoff, Retry-After and a circuit breaker); the SDK does not by default.
    maxRetries: settings.maxRetries ?? 0,
    fetch: (input, init) => ctx.fetch(input, init),
  });
  try {
    if (usesResponses(request.model, settings)) {
      return await streamResponse(client, request, ctx, {
        label,
        reasoningEffort: effort,
        reasoningSummary: reasons(request.model) ? settings.reasoningSummary : undefined,
      });
    }
    return await streamChatCompletion(client, request, ctx, {
      label,
      reasoningEffort: effort,
      promptCacheKey: true,
      tolerant: false,
    });
  } catch (err) {
    throw providerError(err, label);
  }
}

export default definePlugin({ providers: [defineProvider({ name: 'openai', chat })] });
