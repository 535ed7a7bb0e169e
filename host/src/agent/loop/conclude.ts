import { closeDanglingCalls } from '../conversation.js';
import type { RunResult } from '../runtime-types.js';
import { emit, notify, record } from './run-state.js';
import type { FrameOutcome, LoopRun } from './types.js';

/**
 * Ends a run: reports its usage, records how it ended and returns its result. A paused run stays open for
 * `decideApproval`; a failed or interrupted one first gets results for the calls it left, so the session stays
 * valid for the next run.
 */
export function conclude(run: LoopRun, outcome: FrameOutcome): RunResult {
  const state = run.main.state;
  const usage = state.usage;
  emit(run, undefined, {
    type: 'TokenUsage',
    prompt_tokens: usage.prompt,
    output_tokens: usage.output,
    total_tokens: usage.prompt + usage.output,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
    estimated_cost_usd: Number(usage.cost.toFixed(6)),
    model_id: run.lastModel?.ref ?? state.model ?? '',
  });
  const base = {
    runId: state.runId,
    sessionId: state.sessionId,
    model: run.lastModel?.ref ?? state.model,
    steps: state.step,
    usage: {
      promptTokens: usage.prompt,
      outputTokens: usage.output,
      cacheReadTokens: usage.cacheRead,
      cacheWriteTokens: usage.cacheWrite,
      estimatedCostUsd: Number(usage.cost.toFixed(6)),
    },
  };
  if (outcome.kind === 'paused') {
    // (the ticket, committed before the pause, holds the checkpoint; earlier results were committed before it)
    emit(run, undefined, { type: 'RunFinished', status: 'awaiting_approval', message: outcome.message });
    return { ...base, status: 'awaiting_approval', message: outcome.message, approvalId: outcome.approvalId };
  }
  if (outcome.status === 'interrupted' || outcome.status === 'failed') {
    // Keep the session valid for the next run: every call the model made gets a result.
    try {
      const dangling = closeDanglingCalls(run.main.conversation.list());
      if (dangling.length > 0) run.main.conversation.appendLater(dangling);
    } catch (err) {
      run.env.logger.warn({ err }, 'could not close dangling tool calls');
    }
  }
  const { error } = outcome;
  if (error !== undefined) emit(run, undefined, { type: 'Error', code: error.code, message: error.message });
  const status =
    outcome.status === 'running' || outcome.status === 'awaiting_approval' ? 'failed' : outcome.status;
  // The run's last messages, its checkpoint, its end and its events (RunFinished too): one commit. The
  // handler hears RunFinished once it is committed.
  const finished = record(run, undefined, { type: 'RunFinished', status, message: outcome.message });
  const { store } = run.env;
  store.atomically(() => {
    run.main.conversation.save();
    store.checkpointRun(state.runId, state);
    store.finishRun(state.runId, status, {
      message: outcome.message,
      ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
    });
  });
  notify(run, finished);
  return {
    ...base,
    status,
    message: outcome.message,
    ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
  };
}
