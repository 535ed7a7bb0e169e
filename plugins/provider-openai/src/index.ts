import OpenAI from 'openai';
import { definePlugin, defineProvider, reusedClient } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, LiveModel, PluginContext } from '@roku/plugin-api';
import manifest from '../roku.plugin.json' with { type: 'json' };
import { streamChatCompletion } from './chat-completions.js';
import { providerError } from './errors.js';
import { listModels } from './models.js';
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

/** Chat models by id: GET /models also lists embeddings, audio, image, moderation and realtime models. */
const CHAT_MODEL = /^(gpt-|chatgpt-|o\d)/;
const NOT_CHAT = /(embedding|audio|realtime|transcribe|tts|whisper|dall-e|image|moderation|search|instruct)/;

function client(settings: OpenAiSettings, ctx: PluginContext): OpenAI {
  // The real key never enters the sandbox: the host swaps this placeholder in on the way out.
  const apiKey = ctx.secret('OPENAI_API_KEY');
  const baseURL = settings.baseURL ?? DEFAULT_BASE_URL;
  // The host's router retries (with backoff, Retry-After and a circuit breaker); the SDK does not by default.
  const maxRetries = settings.maxRetries ?? 0;
  return reusedClient(
    ctx,
    JSON.stringify([apiKey, baseURL, maxRetries]),
    (fetch) => new OpenAI({ apiKey, baseURL, maxRetries, fetch: (input, init) => fetch(input, init) }),
  );
}

async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = settingsOf(ctx.config);
  const label = `openai (${request.model})`;
  const effort = reasons(request.model) ? settings.reasoningEffort : undefined;
  const openai = client(settings, ctx);
  try {
    if (usesResponses(request.model, settings)) {
      return await streamResponse(openai, request, ctx, {
        label,
        reasoningEffort: effort,
        reasoningSummary: reasons(request.model) ? settings.reasoningSummary : undefined,
      });
    }
    return await streamChatCompletion(openai, request, ctx, {
      label,
      reasoningEffort: effort,
      promptCacheKey: true,
      tolerant: false,
    });
  } catch (err) {
    throw providerError(err, label);
  }
}

/** The account's chat models (GET /models filtered by id); the manifest describes the ones it knows. */
async function models(input: { limit: number }, ctx: PluginContext): Promise<LiveModel[]> {
  return listModels(client(settingsOf(ctx.config), ctx), {
    label: 'openai',
    limit: input.limit,
    accept: (id) => CHAT_MODEL.test(id) && !NOT_CHAT.test(id),
    capabilities: ['streaming', 'tools', 'json', 'output-slot-cap'],
  });
}

export default definePlugin({ providers: [defineProvider({ name: 'openai', chat, models })] });
