import type { ChatRequest } from '@roku/schemas';
import { callContextEngine } from '../slots/context.js';
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
  const result = await callContextEngine(
    snapshot.context,
    force ? 'context.compact' : 'context.beforeRequest',
    {
      request: messagesOnly,
      contextWindow: Math.max(1024, window - toolTokens),
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
  if ((high || force) && !compacted) {
    emit(run, frame, { type: 'CompactComplete', llm_succeeded: false, elapsed_ms: elapsed() });
  }
  return { ...request, messages: result.request.messages };
}
