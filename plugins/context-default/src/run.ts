import type {
  ChatMessage,
  ContextHint,
  ContextInput,
  ContextReport,
  ContextResult,
  PluginContext,
} from '@roku/plugin-api';
import { sessionBreaker } from './breaker.js';
import { MAX_SCALE, readScale } from './calibrate.js';
import { lastValidAtOrBefore, protectedStart, splitLead, validCuts } from './cut.js';
import { compactAll, layer1 } from './engine.js';
import type { Estimate } from './engine.js';
import { estimateTokens } from './estimate.js';
import { summarize } from './llm-summary.js';
import { clearedAlready, microcompact } from './microcompact.js';
import { readSessionSummary, writeSessionSummary } from './session-summary.js';
import { readInput } from './settings.js';
import type { Settings } from './settings.js';
import { SUMMARY_HEADER, summaryLines, toolNames } from './summary.js';

/** The first instruction among these messages (or an earlier summary's), as its summary line. */
function firstInstruction(messages: readonly ChatMessage[], names: ReadonlyMap<string, string>): string {
  const lines = messages.flatMap((m) => summaryLines(m, names));
  return lines.find((l) => l.startsWith('- user:')) ?? lines[0] ?? '';
}

function summaryOf(first: string, text: string): ChatMessage {
  return { role: 'user', content: `${SUMMARY_HEADER}${first === '' ? '' : `${first}\n`}${text}` };
}

/**
 * L2: the session summary from the memory slot in place of the oldest half of the messages (never cutting a
 * tool result from its call, never touching the last user message and what follows). Undefined when there is
 * nothing to replace or it would not save tokens.
 */
function splice(
  messages: ChatMessage[],
  summary: string,
  names: ReadonlyMap<string, string>,
  estimate: Estimate,
): { messages: ChatMessage[]; replaced: number } | undefined {
  const { lead, body } = splitLead(messages);
  const valid = validCuts(body);
  const cut = lastValidAtOrBefore(valid, Math.min(Math.floor(body.length / 2), protectedStart(body, valid)));
  if (cut === 0) return undefined;
  const result = [
    ...lead,
    summaryOf(firstInstruction(body.slice(0, cut), names), summary),
    ...body.slice(cut),
  ];
  return estimate(result) < estimate(messages) ? { messages: result, replaced: cut } : undefined;
}

const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * L3b, at high water with `llmSummary`: the part before the last user message is summarised by the model unless
 * the session's breaker has tripped. A failure (timeout, provider error, an answer without the four sections)
 * falls back to the mechanical compaction of the same part and counts toward the breaker, whose tripping is
 * reported once. Undefined when the summariser is not asked (off, tripped, no session, nothing to discard).
 */
async function llmCompaction(
  messages: ChatMessage[],
  ctx: PluginContext,
  settings: Settings,
  estimate: Estimate,
  names: ReadonlyMap<string, string>,
  sessionId: string | undefined,
  budgetChars: number,
  reports: ContextReport[],
): Promise<{ messages: ChatMessage[]; removed: number; llm: boolean } | undefined> {
  if (!settings.llmSummary || sessionId === undefined) return undefined;
  const mechanical = compactAll(messages, names, settings, estimate);
  // Nothing to compact is not a failure of the summariser: it is not asked.
  if (mechanical.removed === 0) return undefined;
  const breaker = sessionBreaker(ctx, sessionId);
  if ((await breaker.read()).tripped) return undefined;
  const { lead, body } = splitLead(messages);
  const start = protectedStart(body, validCuts(body));
  const discarded = body.slice(0, start);
  const outcome = await summarize(ctx, discarded, budgetChars, settings.llmTimeoutMs);
  reports.push({
    type: 'AutoCompactSummarizerCalled',
    succeeded: outcome.ok,
    failure: outcome.ok ? '' : `${outcome.failure}: ${outcome.detail}`,
  });
  if (!outcome.ok) {
    ctx.log.warn('llm summary failed; mechanical compaction instead', { failure: outcome.failure });
    if (await breaker.record(false)) {
      const { failures } = await breaker.read();
      reports.push({ type: 'AutoCompactCircuitBreakerTripped', consecutive_failures: failures });
    }
    return { ...mechanical, llm: false };
  }
  await breaker.record(true);
  await writeSessionSummary(ctx, outcome.text);
  const result = [...lead, summaryOf(firstInstruction(discarded, names), outcome.text), ...body.slice(start)];
  return { messages: result, removed: messages.length - result.length, llm: true };
}

/**
 * Runs the layers on a request: L0 microcompaction always; above compactThresholdRatio × window the LLM summary
 * (L3b, when enabled and the breaker holds); otherwise above midWaterRatio × window the session summary splice
 * (L2) or else the mechanical collapse (L1), and above compactThresholdRatio × window what is still there the
 * full mechanical compaction. `force` runs every layer. Estimates are scaled by the
 * session's calibration. The result never has more messages than the input, keeps leading system messages first
 * and never separates a tool result from its call.
 *
 * @throws ROKU_COMPACTION_BAD_INPUT
 */
export async function runEngine(
  input: ContextInput,
  settings: Settings,
  ctx: PluginContext,
): Promise<ContextResult> {
  const { request, contextWindow, compactThresholdRatio, force = false } = readInput(input);
  const sessionId =
    typeof input.sessionId === 'string' && input.sessionId !== '' ? input.sessionId : undefined;
  const overhead = finite(input.overheadTokens) ?? 0;
  const calibration =
    settings.calibrate && sessionId !== undefined
      ? await readScale(
          ctx,
          sessionId,
          typeof input.runId === 'string' ? input.runId : '',
          finite(input.reportedPromptTokens),
          (finite(input.skipped) ?? 0) > 0,
        ).catch(() => undefined)
      : undefined;
  const scale = calibration?.scale ?? 1;
  const estimate: Estimate = (m) => Math.ceil(estimateTokens(m) * scale);
  const names = toolNames(request.messages);
  const reports: ContextReport[] = [];
  const l0 = microcompact(request.messages, settings.keepToolResults);
  let messages = l0.messages;
  if (l0.freed > 0) reports.push({ type: 'MicrocompactRan', freed_tokens: Math.ceil(l0.freed * scale) });

  const midWater = settings.midWaterRatio * contextWindow;
  const highWater = compactThresholdRatio * contextWindow;
  // The summariser sees at most about half the window of transcript (4 characters a token).
  const budgetChars = Math.max(4000, Math.floor(contextWindow * 2));
  const llm =
    force || estimate(messages) > highWater
      ? await llmCompaction(messages, ctx, settings, estimate, names, sessionId, budgetChars, reports)
      : undefined;
  if (llm !== undefined) {
    messages = llm.messages;
    reports.push({ type: 'CompactComplete', llm_succeeded: llm.llm, messages_removed: llm.removed });
  } else {
    if (force || estimate(messages) > midWater) {
      const summary =
        settings.sessionSummary && sessionId !== undefined ? await readSessionSummary(ctx) : undefined;
      const l2 = summary === undefined ? undefined : splice(messages, summary, names, estimate);
      if (l2 !== undefined) {
        messages = l2.messages;
        reports.push({ type: 'MidCompactLayer2Ran', messages_replaced: l2.replaced });
      } else {
        const l1 = layer1(messages, midWater, names, settings, estimate);
        if (l1 !== undefined) {
          messages = l1.messages;
          reports.push({ type: 'MidCompactLayer1Ran', messages_collapsed: l1.collapsed });
        }
      }
    }
    if (force || estimate(messages) > highWater) {
      const all = compactAll(messages, names, settings, estimate);
      messages = all.messages;
      if (all.removed > 0 || force) {
        reports.push({ type: 'CompactComplete', llm_succeeded: false, messages_removed: all.removed });
      }
    }
  }
  await calibration?.remember(estimateTokens(messages) + overhead).catch(() => undefined);
  const under = !force && reports.every((r) => r.type === 'MicrocompactRan');
  const hint = under
    ? passHint(request.messages, messages, Math.min(midWater, highWater), settings)
    : undefined;
  return { request: { ...request, messages }, reports, ...(hint === undefined ? {} : { hint }) };
}

/**
 * The hint for an answer under both marks (ContextHint): the next requests come back as this answer plus what
 * they add while the messages stay under the lower mark and no further tool result gets cleared. Counted
 * conservatively: at the largest scale calibration may reach (the next call may take a sample), with every
 * added token of the host's estimate costing this engine twice (JSON-looking text at bytes ÷ 2 where the host
 * may count bytes ÷ 4), and one token to spare for rounding.
 */
function passHint(
  input: readonly ChatMessage[],
  output: readonly ChatMessage[],
  mark: number,
  settings: Settings,
): ContextHint | undefined {
  const scale = settings.calibrate ? MAX_SCALE : 1;
  const room = mark - estimateTokens(output) * scale - 1;
  const addedTokens = Math.floor(room / (2 * scale));
  if (!(addedTokens > 0)) return undefined;
  return { addedTokens, addedToolResults: uncleared(input, settings.keepToolResults) };
}

/**
 * How many tool results may be added before microcompaction would clear one more of these messages: each added
 * result pushes the oldest of the `keep` newest out of the kept ones, which changes the answer unless that
 * result is cleared already or small enough to be left as it is.
 */
function uncleared(messages: readonly ChatMessage[], keep: number): number {
  const results = messages.filter((m) => m.role === 'tool');
  let added = 0;
  // the result at rank `keep - added` (1 = newest) is the next to leave the kept ones
  while (added < keep) {
    const next = results[results.length - (keep - added)];
    if (next !== undefined && !clearedAlready(next)) break;
    added += 1;
  }
  return added;
}
