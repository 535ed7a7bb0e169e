import type { ChatRequest } from '@roku/schemas';
import { callContextEngine } from '../slots/context.js';
import { withMemoryBlock, withoutMemoryBlock } from './prompt.js';
import { emit } from './run-state.js';
import type { AgentFrame, LoopRun } from './types.js';

/**
 * Runs the context engine's hook on a request about to go to the model (`force`: reactive compaction after
 * the provider said the window was exceeded) and reports what it did as events. A failing engine falls back
 * to the default, a failing default to sending the request as it is.
 */
export async function applyContext(
  run: LoopRun,
  frame: AgentFrame,
  request: ChatRequest,
  window: number,
  force: boolean,
  estimated: number,
): Promise<ChatRequest> {
  const { snapshot, settings, logger } = run.env;
  if (snapshot.context === undefined) return request;
  const threshold = settings.compactThresholdRatio;
  const high = estimated > window * threshold;
  if (high || force) emit(run, frame, { type: 'CompactTriggered', estimated_tokens: estimated });
  const started = performance.now();
  // The engine works on messages: tool definitions stay here (they are large and byte-stable), and the
  // window it is told about is what remains for messages once they are counted.
  const { tools, ...messagesOnly } = request;
  const toolTokens =
    tools === undefined ? 0 : snapshot.router.estimateRequestTokens({ model: '', messages: [], tools });
  // the recalled-memory block goes back in after the engine, which sees the conversation alone
  const { messages, block } = withoutMemoryBlock(run, request.messages);
  const blockTokens =
    block === undefined ? 0 : snapshot.router.estimateRequestTokens({ model: '', messages: [block] });
  const result = await callContextEngine(
    snapshot.context,
    force ? 'context.compact' : 'context.beforeRequest',
    {
      request: { ...messagesOnly, messages: [...messages] },
      contextWindow: Math.max(1024, window - toolTokens - blockTokens),
      compactThresholdRatio: threshold,
      ...(force ? { force: true } : {}),
      sessionId: frame.state.sessionId,
      runId: frame.state.runId,
      reportedPromptTokens: run.main.state.usage.prompt,
      overheadTokens: toolTokens,
    },
    {
      logger,
      signal: frame.signal,
      hinted: !high,
      ...(frame === run.main ? { memo: { sessionId: frame.state.sessionId, box: run.env.contextMemo } } : {}),
      onFallback: (event) => {
        emit(run, frame, event);
      },
    },
  );
  if (result === undefined) return request;
  const elapsed = (): number => Math.round(performance.now() - started);
  let compacted = false;
  for (const report of result.reports ?? []) {
    if (report.type === 'CompactComplete') {
      compacted = true;
      emit(run, frame, {
        type: 'CompactComplete',
        llm_succeeded: report.llm_succeeded,
        elapsed_ms: elapsed(),
      });
    } else {
      emit(run, frame, report);
    }
  }
  // Any compaction rewrites the prefix: the cache-break detector must not take the next fall as a break.
  if ((result.reports ?? []).length > 0 || force) frame.state.cacheCompacted = true;
  if ((high || force) && !compacted) {
    emit(run, frame, { type: 'CompactComplete', llm_succeeded: false, elapsed_ms: elapsed() });
  }
  const out = result.request.messages;
  return { ...request, messages: block === undefined ? out : withMemoryBlock(out, block) };
}
