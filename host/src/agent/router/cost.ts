import type { TokenUsage } from '@roku/schemas';
import type { ModelEntry } from './types.js';

/** Share of the input price that cache-read tokens cost. */
export const CACHE_READ_PRICE_RATIO = 0.1;

/**
 * Estimated USD cost of one response from the manifest's per-1k prices (spec §5.7); a price the manifest does
 * not declare counts as 0.
 *
 * `usage.inputTokens` counts every prompt token, cache reads included (the OpenAI convention the provider
 * ABI follows); `cacheReadTokens` of them cost CACHE_READ_PRICE_RATIO of the input price. Cache writes cost
 * the input price.
 *
 * @example estimateCostUsd(entry, { inputTokens: 2000, outputTokens: 500, cacheReadTokens: 1000 })
 */
export function estimateCostUsd(
  entry: Pick<ModelEntry, 'costPer1kInputUsd' | 'costPer1kOutputUsd'>,
  usage: TokenUsage,
): number {
  const inputPrice = entry.costPer1kInputUsd ?? 0;
  const outputPrice = entry.costPer1kOutputUsd ?? 0;
  const input = nonNegative(usage.inputTokens);
  const cacheRead = Math.min(input, nonNegative(usage.cacheReadTokens));
  const cost =
    ((input - cacheRead) * inputPrice +
      cacheRead * inputPrice * CACHE_READ_PRICE_RATIO +
      nonNegative(usage.outputTokens) * outputPrice) /
    1000;
  return Number.isFinite(cost) ? cost : 0;
}

function nonNegative(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}
