import type OpenAI from 'openai';
import { ProviderError } from '@roku/plugin-api';
import type { LiveModel, ModelCapability } from '@roku/plugin-api';
import { providerError } from './errors.js';

/** One entry of `GET /models` as servers send it; only `id` is standard, the rest some servers add. */
type RawModel = Record<string, unknown>;

export interface ListModelsOptions {
  readonly label: string;
  readonly limit: number;
  /** Keeps only the entries this accepts (e.g. OpenAI's chat models). */
  readonly accept?: (id: string) => boolean;
  /** Capabilities of a model the server does not describe. */
  readonly capabilities: readonly ModelCapability[];
}

function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** OpenRouter's per-token price (a decimal string) as USD per 1000 tokens. */
function per1k(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

/** What one entry says, with the fields vLLM (`max_model_len`) and OpenRouter (`context_length`, …) add. */
function describe(raw: RawModel, capabilities: readonly ModelCapability[]): LiveModel {
  const top = typeof raw.top_provider === 'object' && raw.top_provider !== null ? raw.top_provider : {};
  const pricing = typeof raw.pricing === 'object' && raw.pricing !== null ? raw.pricing : {};
  const contextWindow = positiveInteger(raw.context_length ?? raw.max_model_len);
  const maxOutputTokens = positiveInteger((top as RawModel).max_completion_tokens);
  const input = per1k((pricing as RawModel).prompt);
  const output = per1k((pricing as RawModel).completion);
  return {
    id: raw.id as string,
    capabilities: [...capabilities],
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(input === undefined ? {} : { costPer1kInputUsd: input }),
    ...(output === undefined ? {} : { costPer1kOutputUsd: output }),
  };
}

/**
 * The server's models from `GET /models`. A body that is not a model list, or one longer than `limit`, is an
 * error naming the server (the host then keeps the manifest's list); the host checks every entry again.
 * @throws ProviderError
 */
export async function listModels(client: OpenAI, options: ListModelsOptions): Promise<LiveModel[]> {
  let body: unknown;
  try {
    body = await client.get('/models');
  } catch (err) {
    throw providerError(err, options.label);
  }
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      `${options.label}: GET /models did not return a model list ({"data": [...]})`,
    );
  }
  if (data.length > options.limit) {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      `${options.label}: GET /models listed ${data.length} models, more than the ${options.limit} Roku takes`,
    );
  }
  const accept = options.accept ?? ((): boolean => true);
  return (data as unknown[])
    .filter(
      (m): m is RawModel =>
        typeof m === 'object' &&
        m !== null &&
        typeof (m as RawModel).id === 'string' &&
        accept((m as RawModel).id as string),
    )
    .map((m) => describe(m, options.capabilities));
}
