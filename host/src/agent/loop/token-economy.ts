import type { ChatRequest, ChatResponse } from '@roku/schemas';
import type { ModelChoice } from '../assembled.js';
import { cacheBaseline, detectCacheBreak, writeCacheBreakDiagnostic } from '../router/index.js';
import { emit } from './run-state.js';
import type { AgentFrame, LoopRun } from './types.js';

/**
 * The cache-break detector (spec §2.11, check 38): after each model call, compares its cache reads with the
 * previous call's; a fall above both thresholds without a compaction in between emits CacheBreakDetected and
 * writes a diagnostic file. Calls that report no cache reads are not compared.
 */
export function watchCache(
  run: LoopRun,
  frame: AgentFrame,
  request: ChatRequest,
  response: ChatResponse,
  model: ModelChoice,
): void {
  const read = response.usage?.cacheReadTokens;
  if (read === undefined) return;
  const state = frame.state;
  const current = cacheBaseline(request, model.ref, read);
  const previous = state.cacheBaseline;
  const found = detectCacheBreak(previous, current, state.cacheCompacted === true);
  state.cacheBaseline = current;
  state.cacheCompacted = false;
  if (found === undefined || previous === undefined) return;
  let path = '';
  const dir = run.env.diagnosticsDir;
  if (dir !== undefined) {
    try {
      path = writeCacheBreakDiagnostic(dir, found, previous, current, {
        runId: state.runId,
        sessionId: state.sessionId,
        step: state.step,
      });
    } catch (err) {
      run.env.logger.warn({ err, dir }, 'cache-break diagnostic not written');
    }
  }
  emit(run, frame, {
    type: 'CacheBreakDetected',
    reason: found.reason,
    tokens_lost: found.tokensLost,
    component_changed: found.componentChanged,
    diagnostic_path: path,
  });
}

/**
 * Output-slot escalation (spec §7.6, check 37): may an answer cut at max_tokens be asked for again with the
 * model's ceiling? Not on Responses-API models (declared with compact-history and without output-slot-cap),
 * nor when the request already asked for the ceiling, the ceiling is unknown, or the answer already used that
 * many tokens (the provider's default was the ceiling: asking again would only pay twice). `from` 0 means the
 * request left the limit to the provider.
 */
export function escalation(
  request: ChatRequest,
  response: ChatResponse,
  model: ModelChoice,
): { kind: 'none' } | { kind: 'unsupported' } | { kind: 'escalate'; from: number; to: number } {
  if (response.finishReason !== 'max_tokens') return { kind: 'none' };
  const caps = model.capabilities ?? [];
  if (caps.includes('compact-history') && !caps.includes('output-slot-cap')) return { kind: 'unsupported' };
  const ceiling = model.maxOutputTokens;
  const from = request.maxTokens ?? 0;
  const used = response.usage?.outputTokens ?? 0;
  if (ceiling === undefined || from >= ceiling || used >= ceiling) return { kind: 'none' };
  return { kind: 'escalate', from, to: ceiling };
}
