import type Anthropic from '@anthropic-ai/sdk';
import { ProviderError } from '@roku/plugin-api';
import type { LiveModel } from '@roku/plugin-api';
import { providerError } from './errors.js';

/** What Roku assumes of a Claude model the API lists and the manifest does not describe. */
const CAPABILITIES = ['streaming', 'tools', 'vision', 'prompt-cache', 'output-slot-cap'] as const;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The account's models from `GET /v1/models` (one page of up to 1000). A body that is not a model list, or
 * one longer than `limit`, is an error (the host then keeps the manifest's list); the host checks every entry.
 * @throws ProviderError
 */
export async function listModels(client: Anthropic, limit: number): Promise<LiveModel[]> {
  let body: unknown;
  try {
    body = await client.get('/v1/models', { query: { limit: 1000 } });
  } catch (err) {
    throw providerError(err, 'anthropic');
  }
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      'anthropic: GET /v1/models did not return a model list ({"data": [...]})',
    );
  }
  if (data.length > limit) {
    throw new ProviderError(
      'PROVIDER_INVALID_REQUEST',
      `anthropic: GET /v1/models listed ${data.length} models, more than the ${limit} Roku takes`,
    );
  }
  const models: LiveModel[] = [];
  for (const raw of data as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const m = raw as Record<string, unknown>;
    if (typeof m.id !== 'string') continue;
    const contextWindow = positiveInteger(m.max_input_tokens);
    const maxOutputTokens = positiveInteger(m.max_tokens);
    models.push({
      id: m.id,
      capabilities: [...CAPABILITIES],
      ...(contextWindow === undefined ? {} : { contextWindow }),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    });
  }
  return models;
}
