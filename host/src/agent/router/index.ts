/**
 * The provider router: model refs and selection, retries with backoff, per-provider circuit breakers,
 * strict validation of provider output, token and cost estimates (spec §5). Pure: it receives the provider
 * bindings and never touches sandboxes itself.
 */
export { createProviderRouter } from './router.js';
export { createBreakerBoard } from './breaker.js';
export type { BreakerBoard, BreakerGate, BreakerPolicy, BreakerState, BreakerStatus } from './breaker.js';
export { DEFAULT_ROUTER_POLICY, routerPolicyFromConfig } from './policy.js';
export { classifyFailure, backoffDelay } from './classify.js';
export type { ClassifiedFailure, FailureKind } from './classify.js';
export { pluginShortName, settingsModels } from './models.js';
export {
  validateChatResponse,
  createStreamValidator,
  isContentBearing,
  MAX_CONTENT_BYTES,
  MAX_TOOL_CALLS,
  MAX_ARGUMENTS_BYTES,
  MAX_STREAMED_BYTES,
} from './validate.js';
export type { Checked } from './validate.js';
export {
  estimateTokens,
  estimateJsonTokens,
  estimateRequestTokens,
  estimateMessageTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from './tokens.js';
export { estimateCostUsd, CACHE_READ_PRICE_RATIO } from './cost.js';
export {
  cacheBaseline,
  detectCacheBreak,
  writeCacheBreakDiagnostic,
  CACHE_BREAK_ABSOLUTE_TOKENS,
  CACHE_BREAK_RELATIVE,
} from './cache-break.js';
export type { CacheBaseline, CacheBreak } from './cache-break.js';
export type {
  ModelEntry,
  ProviderBinding,
  ProviderCallOptions,
  ProviderRouter,
  ProviderRouterOptions,
  RetryInfo,
  RouterChatOptions,
  RouterChatResult,
  RouterPolicy,
  SelectRequest,
} from './types.js';
