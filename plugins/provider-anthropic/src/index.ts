import Anthropic from '@anthropic-ai/sdk';
import { definePlugin, defineProvider, reusedClient } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, LiveModel, PluginContext } from '@roku/plugin-api';
import manifest from '../roku.plugin.json' with { type: 'json' };
import { providerError } from './errors.js';
import { ThinkingMemory, toMessages } from './messages.js';
import { listModels } from './models.js';
import { readMessageStream } from './stream.js';

/** Settings of the Anthropic provider (plugins.settings["@roku/plugin-provider-anthropic"]). */
interface Settings {
  readonly baseURL?: string;
  readonly auth?: 'x-api-key' | 'bearer';
  readonly thinkingBudgetTokens?: number;
  readonly promptCache?: boolean;
  readonly maxRetries?: number;
}

const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const MAX_OUTPUT = new Map(
  manifest.contributes.providers.flatMap((p) => p.models).map((m) => [m.id, m.maxOutputTokens]),
);
const DEFAULT_MAX_TOKENS = 8192;

/**
 * With extended thinking, the API wants the thinking block of the last tool-use turn sent back with the tool
 * results; the neutral conversation has no place for it, so it is kept in kv per session (a realm may not
 * survive between calls).
 */
async function thinkingOf(ctx: PluginContext, request: ChatRequest): Promise<ThinkingMemory> {
  const memory = new ThinkingMemory();
  const raw = await ctx.kv.get(thinkingKey(request));
  if (raw !== null) memory.load(raw);
  return memory;
}

function thinkingKey(request: ChatRequest): string {
  return `thinking/${request.sessionId ?? 'default'}`;
}

function settingsOf(ctx: PluginContext): Settings {
  return typeof ctx.config === 'object' && ctx.config !== null ? ctx.config : {};
}

function anthropic(settings: Settings, ctx: PluginContext): Anthropic {
  const bearer = settings.auth === 'bearer';
  // Placeholders: the host substitutes the secret on the way out, so it never enters the sandbox.
  const authToken = bearer ? ctx.secret('ANTHROPIC_AUTH_TOKEN') : null;
  const apiKeyHeader = bearer ? null : ctx.secret('ANTHROPIC_API_KEY');
  const baseURL = settings.baseURL ?? DEFAULT_BASE_URL;
  const maxRetries = settings.maxRetries ?? 0;
  return reusedClient(
    ctx,
    JSON.stringify([authToken, apiKeyHeader, baseURL, maxRetries]),
    (fetch) =>
      new Anthropic({
        apiKey: null,
        authToken,
        // The SDK sends apiKey as a bearer token; the x-api-key style is a header of its own.
        ...(apiKeyHeader === null ? {} : { defaultHeaders: { 'x-api-key': apiKeyHeader } }),
        baseURL,
        maxRetries,
        fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init),
      }),
  );
}

async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = settingsOf(ctx);
  const label = `anthropic (${request.model})`;
  const client = anthropic(settings, ctx);
  const budget = settings.thinkingBudgetTokens;
  const thinking = budget === undefined ? undefined : await thinkingOf(ctx, request);
  const { system, messages } = toMessages(request, { cache: settings.promptCache !== false, thinking });
  const ceiling = MAX_OUTPUT.get(request.model) ?? DEFAULT_MAX_TOKENS;
  let maxTokens = request.maxTokens ?? Math.min(ceiling, DEFAULT_MAX_TOKENS * 2);
  // Thinking tokens count against max_tokens, which must stay above the budget.
  if (budget !== undefined && maxTokens <= budget) maxTokens = Math.min(ceiling, budget + DEFAULT_MAX_TOKENS);
  try {
    const stream = await client.messages.create(
      {
        model: request.model,
        max_tokens: maxTokens,
        messages,
        stream: true,
        ...(system.length === 0 ? {} : { system }),
        ...(budget === undefined ? {} : { thinking: { type: 'enabled' as const, budget_tokens: budget } }),
        ...(request.temperature === undefined || budget !== undefined
          ? {}
          : { temperature: request.temperature }),
        ...(request.tools === undefined || request.tools.length === 0
          ? {}
          : {
              tools: request.tools.map((tool) => ({
                name: tool.name,
                description: tool.description,
                input_schema: tool.inputSchema as Anthropic.Messages.Tool.InputSchema,
              })),
            }),
      },
      { signal: ctx.signal },
    );
    const response = await readMessageStream(stream, ctx, label);
    if (thinking !== undefined && response.thought !== undefined) {
      await ctx.kv.set(thinkingKey(request), JSON.stringify(response.thought));
    }
    return response.response;
  } catch (err) {
    throw providerError(err, label);
  }
}

/** The account's models (GET /v1/models); the manifest describes the ones it knows. */
function models(input: { limit: number }, ctx: PluginContext): Promise<LiveModel[]> {
  return listModels(anthropic(settingsOf(ctx), ctx), input.limit);
}

export default definePlugin({ providers: [defineProvider({ name: 'anthropic', chat, models })] });
