import type { PluginRates } from './ledgers.js';
import { rateLimited } from './policy.js';
import type { CapabilityLimits } from './policy.js';

/** Tokens a response reports, or an estimate (4 characters a token) of request and response when it says none. */
function tokensOf(request: unknown, result: unknown): number {
  const usage = (
    result as { response?: { usage?: { inputTokens?: unknown; outputTokens?: unknown } } } | null
  )?.response?.usage;
  const input = usage?.inputTokens;
  const output = usage?.outputTokens;
  if (typeof input === 'number' && typeof output === 'number' && input >= 0 && output >= 0)
    return input + output;
  const size = (value: unknown): number => {
    try {
      return (JSON.stringify(value) as string | undefined)?.length ?? 0;
    } catch {
      return 0;
    }
  };
  return Math.ceil((size(request) + size(result)) / 4);
}

/**
 * Runs one call of the `llm` capability within the plugin's per-minute budgets: calls are counted when they
 * start, tokens (reported usage, else an estimate) when they end. A budget already used up refuses the call.
 *
 * @throws ROKU_CAPABILITY_RATE_LIMITED
 */
export async function withLlmBudget(
  pluginId: string,
  rates: PluginRates,
  limits: CapabilityLimits,
  request: unknown,
  run: () => Promise<unknown>,
  now: () => number = Date.now,
): Promise<unknown> {
  const calls = rates.llmCalls.total(now());
  if (calls >= limits.llmCallsPerMinute) {
    throw rateLimited(
      `${pluginId}: llm.chat made ${calls} calls in the last minute; limits.llmCallsPerMinute is ${limits.llmCallsPerMinute}`,
      { limit: 'llmCallsPerMinute', max: limits.llmCallsPerMinute, retryAfterMs: 60_000 },
    );
  }
  const tokens = rates.llmTokens.total(now());
  if (tokens >= limits.llmTokensPerMinute) {
    throw rateLimited(
      `${pluginId}: llm.chat used ${tokens} tokens in the last minute; limits.llmTokensPerMinute is ${limits.llmTokensPerMinute}`,
      { limit: 'llmTokensPerMinute', max: limits.llmTokensPerMinute, retryAfterMs: 60_000 },
    );
  }
  rates.llmCalls.add(1, now());
  const result = await run();
  rates.llmTokens.add(tokensOf(request, result), now());
  return result;
}

/**
 * Counts a log line's bytes against `limits.logBytesPerMinute`; a line over the budget is refused (the SDK and
 * console drop the refusal, so the plugin goes on).
 *
 * @throws ROKU_CAPABILITY_RATE_LIMITED
 */
export function countLogBytes(
  pluginId: string,
  rates: PluginRates,
  limits: CapabilityLimits,
  bytes: number,
  now: () => number = Date.now,
): void {
  const used = rates.logBytes.total(now());
  if (used + bytes > limits.logBytesPerMinute) {
    throw rateLimited(
      `${pluginId}: log lines of ${used} bytes in the last minute; limits.logBytesPerMinute is ${limits.logBytesPerMinute}, so this line is dropped`,
      { limit: 'logBytesPerMinute', max: limits.logBytesPerMinute },
    );
  }
  rates.logBytes.add(bytes, now());
}
