import type { ChatMessage, ChatRequest, ChatResponse } from '@roku/schemas';
import { abortable, asRokuError } from '../abort.js';
import type { ModelChoice } from '../assembled.js';
import { pseudoToolSpecs } from '../pseudo-tools.js';
import { applyContext } from './context-hook.js';
import { EXPECTED_OUTPUT_TOKENS, chooseModel } from './model-choice.js';
import { historyForModel, systemPrompt } from './prompt.js';
import { checkpoint, emit } from './run-state.js';
import { escalation, watchCache } from './token-economy.js';
import type { AgentFrame, LoopRun, StepOutcome } from './types.js';

/** The request of this step: fixed system prompt, history (with recalled memory), tool definitions. */
async function buildRequest(run: LoopRun, frame: AgentFrame): Promise<ChatRequest> {
  const { snapshot } = run.env;
  const state = frame.state;
  const defs = snapshot.catalog.definitions({
    planMode: state.planMode,
    loaded: new Set(state.loadedTools),
    exclude: frame.exclude,
    extra: pseudoToolSpecs(frame.exclude, [...snapshot.subagents.keys()].sort()),
  });
  const system = systemPrompt(frame);
  const history = await historyForModel(run, frame);
  return {
    model: state.model ?? '',
    messages: [{ role: 'system', content: system }, ...history],
    tools: defs.specs,
    sessionId: state.sessionId,
  };
}

/** Asks the model for the next message of a frame; a message without tool calls finishes the frame. */
export async function askModel(run: LoopRun, frame: AgentFrame): Promise<StepOutcome> {
  const { snapshot } = run.env;
  const built = await buildRequest(run, frame);
  const { model, request, estimated } = await chooseModel(
    run,
    frame,
    built,
    snapshot.router.estimateRequestTokens(built),
  );
  let response = await callWithRecovery(run, frame, request, model.contextWindow, estimated);
  watchCache(run, frame, response.request, response.response, response.model);
  response = await escalateOutputSlot(run, frame, response);
  const message = response.response.message;
  const calls = (message.toolCalls ?? []).slice();
  const assistant: ChatMessage =
    calls.length > 0
      ? { role: 'assistant', content: message.content, toolCalls: calls }
      : { role: 'assistant', content: message.content };
  emit(run, frame, {
    type: 'LlmDecisionComplete',
    model_id: response.model.ref,
    finish_reason: response.response.finishReason,
    tool_calls: calls.length,
    ...(response.ttftMs === undefined ? {} : { ttft_ms: response.ttftMs }),
    stream_ms: response.streamMs,
  });
  frame.conversation.appendLater([assistant]);
  // an answer is committed with the run's end (conclude.ts), calls with the checkpoint they lead to (the
  // message, the events so far and the checkpoint: one commit, before any of the calls runs)
  if (calls.length === 0) return { kind: 'finish', status: 'succeeded', message: message.content };
  if (frame === run.main) checkpoint(run);
  return { kind: 'continue' };
}

type Called = Awaited<ReturnType<typeof callModel>>;

/**
 * An answer cut at max_tokens is asked for once more with the model's ceiling, without streaming it again
 * (spec §7.6); models whose API cannot take it are reported instead. Both calls' tokens count.
 */
async function escalateOutputSlot(run: LoopRun, frame: AgentFrame, called: Called): Promise<Called> {
  const verdict = escalation(called.request, called.response, called.model);
  const modelId = called.model.ref;
  if (verdict.kind === 'unsupported') {
    const slash = modelId.indexOf('/');
    emit(run, frame, {
      type: 'OutputSlotEscalationUnsupported',
      model_id: modelId,
      provider: slash > 0 ? modelId.slice(0, slash) : modelId,
    });
  }
  if (verdict.kind !== 'escalate') return called;
  emit(run, frame, {
    type: 'OutputSlotEscalated',
    initial_max_tokens: verdict.from,
    escalated_max_tokens: verdict.to,
    model_id: modelId,
  });
  return callModel(run, frame, { ...called.request, model: modelId, maxTokens: verdict.to }, true);
}

/**
 * Calls the model, recovering once from each of two failures: an open breaker fails over to another model
 * (unless the model is pinned), and an exceeded context window compacts the request (reactive compaction).
 */
async function callWithRecovery(
  run: LoopRun,
  frame: AgentFrame,
  first: ChatRequest,
  window: number,
  estimated: number,
): Promise<Called> {
  const { snapshot, logger } = run.env;
  let request = first;
  let reactiveUsed = false;
  let failedOver = false;
  for (;;) {
    try {
      return await callModel(run, frame, request);
    } catch (err) {
      const error = asRokuError(err);
      const breakerOpen =
        error.code === 'ROKU_PROVIDER_UNAVAILABLE' ||
        (error.code === 'ROKU_PROVIDER_FAILED' && error.details?.breakerOpen === true);
      if (breakerOpen && !frame.state.modelPinned && !failedOver) {
        // The chosen provider's breaker is open: the router skips it when it chooses again.
        failedOver = true;
        const next = snapshot.router.select({
          estimatedPromptTokens: estimated,
          expectedOutputTokens: EXPECTED_OUTPUT_TOKENS,
        });
        if (next.ref === request.model) throw error;
        logger.warn({ from: request.model, to: next.ref }, 'provider unavailable; failing over');
        frame.state.model = next.ref;
        request = { ...request, model: next.ref };
        continue;
      }
      if (error.code !== 'ROKU_CONTEXT_WINDOW_EXCEEDED' || reactiveUsed) throw error;
      reactiveUsed = true;
      emit(run, frame, { type: 'ReactiveCompactTriggered', detail: error.message });
      request = await applyContext(run, frame, request, window, true, estimated);
    }
  }
}

/**
 * One call through the router: streamed text and retries become events (`quiet`: text is not streamed
 * again), usage adds up on the run; time to first token and to the whole answer are measured.
 */
async function callModel(
  run: LoopRun,
  frame: AgentFrame,
  request: ChatRequest,
  quiet = false,
): Promise<{
  response: ChatResponse;
  model: ModelChoice;
  request: ChatRequest;
  ttftMs: number | undefined;
  streamMs: number;
}> {
  const { snapshot } = run.env;
  const started = performance.now();
  let firstToken: number | undefined;
  const result = await abortable(
    snapshot.router.chat(request, {
      ...(frame.signal === undefined ? {} : { signal: frame.signal }),
      session: run.main.state.sessionId,
      ...(run.env.handlers.traceId === undefined ? {} : { traceId: run.env.handlers.traceId }),
      onDelta: (event) => {
        if (event.type !== 'usage') firstToken ??= performance.now();
        if (event.type === 'text-delta' && event.text !== '' && !quiet) {
          emit(run, frame, { type: 'LlmTextDelta', text: event.text });
        }
      },
      onRetry: (info) => {
        emit(run, frame, {
          type: 'ProviderRetry',
          provider: info.provider,
          model_id: info.modelId,
          attempt: info.attempt,
          delay_ms: Math.round(info.delayMs),
          code: info.code,
        });
      },
    }),
    frame.signal,
  );
  run.lastModel = result.model;
  const usage = result.response.usage;
  const total = run.main.state.usage;
  if (usage !== undefined) {
    total.prompt += usage.inputTokens;
    total.output += usage.outputTokens;
    total.cacheRead += usage.cacheReadTokens ?? 0;
    total.cacheWrite += usage.cacheWriteTokens ?? 0;
    total.cost += snapshot.router.estimateCostUsd(result.model.ref, usage);
  }
  const ms = (at: number): number => Math.round((at - started) * 100) / 100;
  return {
    ...result,
    request,
    ttftMs: firstToken === undefined ? undefined : ms(firstToken),
    streamMs: ms(performance.now()),
  };
}
