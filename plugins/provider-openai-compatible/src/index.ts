import OpenAI from 'openai';
import { ProviderError, definePlugin, defineProvider, reusedClient } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, LiveModel, PluginContext } from '@roku/plugin-api';
import { listModels, providerError, streamChatCompletion } from '@roku/plugin-provider-openai/wire';

/** Settings (plugins.settings["@roku/plugin-provider-openai-compatible"]). */
interface Settings {
  readonly baseURL?: string;
  readonly auth?: 'none' | 'bearer';
  readonly model?: string;
  readonly promptCacheKey?: boolean;
  readonly maxRetries?: number;
}

/** The manifest's stand-in model: the server's own model (settings.model, else the first of GET /models). */
const DEFAULT_MODEL = 'default';
// Per realm: the server's first model, so `default` costs one GET /models per realm, not per request.
const discovered = new Map<string, string>();

async function serverModel(client: OpenAI, baseURL: string, label: string): Promise<string> {
  const known = discovered.get(baseURL);
  if (known !== undefined) return known;
  let first: string | undefined;
  try {
    const page = await client.models.list();
    first = page.data.find((m) => typeof m.id === 'string' && m.id !== '')?.id;
  } catch (err) {
    const mapped = providerError(err, label);
    throw mapped instanceof ProviderError && mapped.code !== 'PROVIDER_INVALID_REQUEST'
      ? mapped
      : new ProviderError(
          'PROVIDER_INVALID_REQUEST',
          `${label}: the server does not list its models (GET /models); set "model" in plugins.settings["@roku/plugin-provider-openai-compatible"]`,
        );
  }
  if (first === undefined) {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      `${label}: GET /models listed no model; set "model" in plugins.settings["@roku/plugin-provider-openai-compatible"]`,
    );
  }
  discovered.set(baseURL, first);
  return first;
}

function settingsOf(ctx: PluginContext): Settings {
  return typeof ctx.config === 'object' && ctx.config !== null ? ctx.config : {};
}

/** The configured server and an SDK client for it, its key (if any) substituted by the host on the way out. */
function connect(settings: Settings, ctx: PluginContext): { client: OpenAI; baseURL: string; label: string } {
  const baseURL = settings.baseURL;
  if (baseURL === undefined || baseURL === '') {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      'openai-compatible: no server configured; set plugins.settings["@roku/plugin-provider-openai-compatible"].baseURL and grant its origin in plugins.grants["@roku/plugin-provider-openai-compatible"].network',
    );
  }
  const bearer = settings.auth === 'bearer';
  // No key for local servers; with auth "bearer" the host substitutes the secret on the way out.
  const apiKey = bearer ? ctx.secret('OPENAI_COMPATIBLE_API_KEY') : 'none';
  const maxRetries = settings.maxRetries ?? 0;
  const client = reusedClient(
    ctx,
    JSON.stringify([apiKey, bearer, baseURL, maxRetries]),
    (fetch) =>
      new OpenAI({
        apiKey,
        baseURL,
        maxRetries,
        fetch: (input, init) => fetch(input, withoutPlaceholderAuth(init, bearer)),
      }),
  );
  return { client, baseURL, label: `openai-compatible at ${baseURL}` };
}

async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = settingsOf(ctx);
  const { client, baseURL, label } = connect(settings, ctx);
  try {
    const model =
      request.model === DEFAULT_MODEL
        ? (settings.model ?? (await serverModel(client, baseURL, label)))
        : request.model;
    return await streamChatCompletion(client, { ...request, model }, ctx, {
      label: `${label} (${model})`,
      promptCacheKey: settings.promptCacheKey === true,
      tolerant: true,
    });
  } catch (err) {
    throw providerError(err, label);
  }
}

/** The server's models (GET /models), each addressable as openai-compatible/<id>. */
async function models(input: { limit: number }, ctx: PluginContext): Promise<LiveModel[]> {
  const { client, label } = connect(settingsOf(ctx), ctx);
  return listModels(client, {
    label,
    limit: input.limit,
    capabilities: ['streaming', 'tools', 'output-slot-cap'],
  });
}

/** Without a key, drops the SDK's `Authorization: Bearer none`: local servers need none. */
function withoutPlaceholderAuth(init: RequestInit | undefined, keyed: boolean): RequestInit | undefined {
  if (keyed || init?.headers === undefined) return init;
  const headers = new Headers(init.headers);
  headers.delete('authorization');
  return { ...init, headers };
}

export default definePlugin({ providers: [defineProvider({ name: 'openai-compatible', chat, models })] });
