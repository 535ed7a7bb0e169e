import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';
import type { ChatMessage, ChatRequest, MemoryRecord, TokenUsage, ToolCall } from '@roku/schemas';
import type { ApprovalRow, Store } from '../store/types.js';
import { abortable, asRokuError, interrupted } from './abort.js';
import type { AgentSnapshot, ModelChoice } from './assembled.js';
import {
  closeDanglingCalls,
  codePoints,
  pendingCalls,
  resultText,
  truncateChars,
  validMessages,
} from './conversation.js';
import type { LoopEvent, LoopEventInput, RunStatus } from './events.js';
import { summarize } from './events.js';
import { callDigest, classifyCall } from './policy.js';
import { PSEUDO_TOOLS, pseudoToolSpecs } from './pseudo-tools.js';
import type { ApprovalMode, RunHandlers, RunResult } from './runtime-types.js';
import type { AgentSettings } from './settings.js';
import type { SlotOwner } from './snapshot/snapshot.js';

const PER_TURN_TOOL_BUDGET_TOKENS = 200_000;
const MEMORY_RECALL_LIMIT = 3;

const STATIC_PROMPT = [
  'You are Roku, an assistant that works by calling tools.',
  'Call a tool when it helps; answer directly when it does not. Tool results may be cut; say so when it matters.',
  'When you are done, answer in plain text (or call final_answer). Call fail when the task cannot be done.',
].join('\n');

const PLAN_PROMPT =
  'Plan mode is on: only read-only tools are available. Investigate and propose a plan; do not change anything.';

/** The run's persisted checkpoint: with the session's messages it is enough to resume in another process. */
export interface Checkpoint {
  readonly v: 1;
  readonly runId: string;
  readonly sessionId: string;
  readonly goal: string;
  approvalMode: ApprovalMode;
  autoApprove: boolean;
  planMode: boolean;
  model: string | null;
  /** The user (or config) chose the model: never fail over to another one. */
  modelPinned: boolean;
  step: number;
  remainingSteps: number;
  remainingRecovery: number;
  loadedTools: string[];
  alwaysAllowed: string[];
  usage: { prompt: number; output: number; cacheRead: number; cacheWrite: number; cost: number };
  /** Start of this run's messages in the session (seq of its user message). */
  firstSeq: number;
}

/** Where a loop keeps its conversation: the session (main agent) or memory (a sub-agent). */
interface Conversation {
  list(): ChatMessage[];
  append(messages: readonly ChatMessage[]): void;
}

export interface LoopEnv {
  readonly snapshot: AgentSnapshot;
  readonly store: Store;
  readonly settings: AgentSettings;
  readonly logger: Logger;
  readonly pid: number;
  readonly handlers: RunHandlers;
  readonly signal: AbortSignal | undefined;
  /** Session-wide "always allow" answers, shared by the runs of one runtime. */
  readonly alwaysAllowed: Set<string>;
}

interface AgentFrame {
  readonly agentId: string;
  readonly depth: number;
  readonly conversation: Conversation;
  readonly state: Checkpoint;
  /** Tool names the model may not see or call here (sub-agents: Agent, ask_user). */
  readonly exclude: ReadonlySet<string>;
  readonly signal: AbortSignal | undefined;
}

type StepOutcome =
  | { readonly kind: 'continue' }
  | {
      readonly kind: 'finish';
      readonly status: RunStatus;
      readonly message: string;
      readonly error?: RokuError;
    }
  | { readonly kind: 'paused'; readonly approvalId: string; readonly message: string };

/**
 * One agent run (or sub-agent run). The host owns the loop: budgets, approvals, serial tool execution and the
 * order of events; plugins only answer calls.
 */
export class AgentLoop {
  readonly #env: LoopEnv;
  readonly #main: AgentFrame;
  #subagents = 0;
  #lastModel: ModelChoice | undefined;
  #turnToolTokens = 0;
  #memory: string | undefined;
  #messages: ChatMessage[] | undefined;

  constructor(env: LoopEnv, state: Checkpoint) {
    this.#env = env;
    const { store } = env;
    this.#main = {
      agentId: 'main',
      depth: 0,
      state,
      exclude: new Set(),
      signal: env.signal,
      conversation: {
        // Read once per run, then kept in step with what this run appends: a session has one run at a time,
        // and every step needs the whole conversation several times.
        list: () => {
          this.#messages ??= store.listMessages(state.sessionId).map((m) => m.message);
          return this.#messages.slice();
        },
        append: (messages) => {
          store.appendMessages(state.sessionId, state.runId, messages);
          this.#messages?.push(...messages);
        },
      },
    };
  }

  get state(): Checkpoint {
    return this.#main.state;
  }

  emit(frame: AgentFrame | undefined, event: LoopEventInput): void {
    const f = frame ?? this.#main;
    const full = { ...event, step: f.state.step, agent_id: f.agentId } as LoopEvent;
    try {
      this.#env.store.appendEvent(this.#main.state.runId, full);
    } catch (err) {
      this.#env.logger.warn({ err, runId: this.#main.state.runId }, 'event not recorded');
    }
    try {
      this.#env.handlers.onEvent?.(full);
    } catch (err) {
      this.#env.logger.warn({ err }, 'event handler threw');
    }
  }

  #checkpoint(update?: { status?: RunStatus }): void {
    this.#env.store.checkpointRun(this.#main.state.runId, this.#main.state, {
      ...(update?.status === undefined ? {} : { status: update.status }),
    });
  }

  /** Drives the main agent until it finishes, pauses on an approval, fails or is interrupted. */
  async run(): Promise<RunResult> {
    const frame = this.#main;
    let outcome: StepOutcome;
    try {
      for (;;) {
        outcome = await this.#step(frame);
        if (outcome.kind !== 'continue') break;
      }
    } catch (err) {
      const error = asRokuError(err);
      outcome = {
        kind: 'finish',
        status: error.code === 'ROKU_RUN_INTERRUPTED' ? 'interrupted' : 'failed',
        message: error.message,
        error,
      };
    }
    return this.#conclude(outcome);
  }

  #conclude(outcome: Exclude<StepOutcome, { kind: 'continue' }>): RunResult {
    const state = this.#main.state;
    const usage = state.usage;
    this.emit(undefined, {
      type: 'TokenUsage',
      prompt_tokens: usage.prompt,
      output_tokens: usage.output,
      total_tokens: usage.prompt + usage.output,
      cache_creation_input_tokens: usage.cacheWrite,
      cache_read_input_tokens: usage.cacheRead,
      estimated_cost_usd: Number(usage.cost.toFixed(6)),
      model_id: this.#lastModel?.ref ?? state.model ?? '',
    });
    const base = {
      runId: state.runId,
      sessionId: state.sessionId,
      model: this.#lastModel?.ref ?? state.model,
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
      this.emit(undefined, { type: 'RunFinished', status: 'awaiting_approval', message: outcome.message });
      return {
        ...base,
        status: 'awaiting_approval',
        message: outcome.message,
        approvalId: outcome.approvalId,
      };
    }
    const { store } = this.#env;
    if (outcome.status === 'interrupted' || outcome.status === 'failed') {
      // Keep the session valid for the next run: every call the model made gets a result.
      try {
        const dangling = closeDanglingCalls(this.#main.conversation.list());
        if (dangling.length > 0) this.#main.conversation.append(dangling);
      } catch (err) {
        this.#env.logger.warn({ err }, 'could not close dangling tool calls');
      }
    }
    if (outcome.error !== undefined) {
      this.emit(undefined, { type: 'Error', code: outcome.error.code, message: outcome.error.message });
    }
    const status =
      outcome.status === 'running' || outcome.status === 'awaiting_approval' ? 'failed' : outcome.status;
    store.finishRun(state.runId, status, {
      message: outcome.message,
      ...(outcome.error === undefined
        ? {}
        : { errorCode: outcome.error.code, errorMessage: outcome.error.message }),
    });
    this.emit(undefined, { type: 'RunFinished', status, message: outcome.message });
    return {
      ...base,
      status,
      message: outcome.message,
      ...(outcome.error === undefined
        ? {}
        : { error: { code: outcome.error.code, message: outcome.error.message } }),
    };
  }

  /** One iteration: run pending tool calls, or ask the model. */
  async #step(frame: AgentFrame): Promise<StepOutcome> {
    const state = frame.state;
    if (frame.signal?.aborted === true) throw interrupted();
    const pending = pendingCalls(frame.conversation.list());
    if (pending.length > 0) {
      const outcome = await this.#runCalls(frame, pending);
      if (outcome.kind === 'paused') return outcome;
      state.step += 1;
      state.remainingSteps = Math.max(0, state.remainingSteps - 1);
      this.emit(frame, { type: 'StepComplete', remaining_steps: state.remainingSteps });
      const tokens = this.#turnToolTokens;
      this.emit(frame, {
        type: 'ToolBudgetCheck',
        per_turn_tool_tokens: tokens,
        exceeded: tokens > PER_TURN_TOOL_BUDGET_TOKENS,
      });
      if (frame === this.#main) this.#checkpoint();
      if (outcome.kind === 'finish') return outcome;
      if (state.remainingRecovery < 0 || (state.remainingRecovery === 0 && outcome.failedCalls > 0)) {
        return {
          kind: 'finish',
          status: 'failed',
          message: 'too many tool calls failed in this run',
          error: new RokuError(
            'ROKU_RECOVERY_BUDGET_EXHAUSTED',
            `the run stopped after ${this.#env.settings.recoveryBudget} failed tool calls (agent.recoveryBudget)`,
          ),
        };
      }
      return { kind: 'continue' };
    }
    if (state.remainingSteps <= 0) {
      return {
        kind: 'finish',
        status: 'failed',
        message: 'the step budget is used up',
        error: new RokuError(
          'ROKU_STEP_BUDGET_EXHAUSTED',
          `the run used all of its ${frame === this.#main ? this.#env.settings.stepBudget : 'reserved'} steps without finishing (agent.stepBudget)`,
        ),
      };
    }
    return this.#askModel(frame);
  }

  /**
   * The system prompt is static per session (plan mode aside), so providers' prompt caches keep the whole prefix.
   * Recalled memory changes from run to run, so it goes with the run's own user message instead, where it only
   * costs the cache of the last turn.
   */
  #systemPrompt(frame: AgentFrame): string {
    return frame.state.planMode ? `${STATIC_PROMPT}\n\n${PLAN_PROMPT}` : STATIC_PROMPT;
  }

  /** The run's recalled memory, fetched once per run (main agent only). */
  async #memoryBlock(): Promise<string> {
    if (this.#memory !== undefined) return this.#memory;
    const state = this.#main.state;
    const records = await this.#recall(state.sessionId, state.goal);
    this.#memory =
      records.length === 0
        ? ''
        : `Session memory (earlier in this session):\n${records.map((r) => `- ${truncateChars(r.text, 500)}`).join('\n')}`;
    return this.#memory;
  }

  /** History as sent: the memory block goes in a system message just before this run's user message. */
  async #historyForModel(frame: AgentFrame): Promise<ChatMessage[]> {
    const history = frame.conversation.list();
    if (frame !== this.#main) return history;
    const block = await this.#memoryBlock();
    if (block === '') return history;
    let last = -1;
    history.forEach((m, i) => {
      if (m.role === 'user') last = i;
    });
    if (last < 0) return history;
    const out = history.slice();
    out.splice(last, 0, { role: 'system', content: block });
    return out;
  }

  async #askModel(frame: AgentFrame): Promise<StepOutcome> {
    const { snapshot, settings } = this.#env;
    const state = frame.state;
    const subagentNames = [...snapshot.subagents.keys()].sort();
    const defs = snapshot.catalog.definitions({
      planMode: state.planMode,
      loaded: new Set(state.loadedTools),
      exclude: frame.exclude,
      extra: pseudoToolSpecs(frame.exclude, subagentNames),
    });
    const system = this.#systemPrompt(frame);
    const history = await this.#historyForModel(frame);
    let request: ChatRequest = {
      model: state.model ?? '',
      messages: [{ role: 'system', content: system }, ...history],
      tools: defs.specs,
      sessionId: state.sessionId,
    };
    const estimated = snapshot.router.estimateRequestTokens(request);
    const model = snapshot.router.select({
      ...(state.model === null ? {} : { model: state.model }),
      estimatedPromptTokens: Math.min(estimated, settings.contextWindowTokens - 1),
      expectedOutputTokens: 1024,
    });
    state.model ??= model.ref;
    const window = model.contextWindow;
    request = { ...request, model: model.ref };
    request = await this.#applyContext(frame, request, window, false, estimated);

    let response;
    let reactiveUsed = false;
    let failedOver = false;
    for (;;) {
      try {
        response = await this.#callModel(frame, request);
        break;
      } catch (err) {
        const error = asRokuError(err);
        const breakerOpen =
          error.code === 'ROKU_PROVIDER_UNAVAILABLE' ||
          (error.code === 'ROKU_PROVIDER_FAILED' && error.details?.breakerOpen === true);
        if (breakerOpen && !state.modelPinned && !failedOver) {
          // The chosen provider's breaker is open: the router skips it when it chooses again.
          failedOver = true;
          const next = snapshot.router.select({
            estimatedPromptTokens: estimated,
            expectedOutputTokens: 1024,
          });
          if (next.ref === request.model) throw error;
          this.#env.logger.warn({ from: request.model, to: next.ref }, 'provider unavailable; failing over');
          state.model = next.ref;
          request = { ...request, model: next.ref };
          continue;
        }
        if (error.code !== 'ROKU_CONTEXT_WINDOW_EXCEEDED' || reactiveUsed) throw error;
        reactiveUsed = true;
        this.emit(frame, { type: 'ReactiveCompactTriggered', detail: error.message });
        request = await this.#applyContext(frame, request, window, true, estimated);
      }
    }
    const message = response.response.message;
    const calls = (message.toolCalls ?? []).slice();
    const assistant: ChatMessage =
      calls.length > 0
        ? { role: 'assistant', content: message.content, toolCalls: calls }
        : { role: 'assistant', content: message.content };
    frame.conversation.append([assistant]);
    this.emit(frame, {
      type: 'LlmDecisionComplete',
      model_id: response.model.ref,
      finish_reason: response.response.finishReason,
      tool_calls: calls.length,
    });
    if (frame === this.#main) this.#checkpoint();
    if (calls.length === 0) {
      return { kind: 'finish', status: 'succeeded', message: message.content };
    }
    return { kind: 'continue' };
  }

  async #callModel(
    frame: AgentFrame,
    request: ChatRequest,
  ): Promise<{
    response: { message: ChatMessage; finishReason: string; usage?: TokenUsage };
    model: ModelChoice;
  }> {
    const { snapshot } = this.#env;
    const result = await abortable(
      snapshot.router.chat(request, {
        ...(frame.signal === undefined ? {} : { signal: frame.signal }),
        onDelta: (event) => {
          if (event.type === 'text-delta' && event.text !== '') {
            this.emit(frame, { type: 'LlmTextDelta', text: event.text });
          }
        },
        onRetry: (info) => {
          this.emit(frame, {
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
    this.#lastModel = result.model;
    const usage = result.response.usage;
    const total = this.#main.state.usage;
    if (usage !== undefined) {
      total.prompt += usage.inputTokens;
      total.output += usage.outputTokens;
      total.cacheRead += usage.cacheReadTokens ?? 0;
      total.cacheWrite += usage.cacheWriteTokens ?? 0;
      total.cost += snapshot.router.estimateCostUsd(result.model.ref, usage);
    }
    return result;
  }

  /** Runs the context engine's hook; a failing owner falls back to the default, a failing default to no-op. */
  async #applyContext(
    frame: AgentFrame,
    request: ChatRequest,
    window: number,
    force: boolean,
    estimated: number,
  ): Promise<ChatRequest> {
    const owner = this.#env.snapshot.context;
    if (owner === undefined) return request;
    const threshold = this.#env.settings.compactThresholdRatio;
    const high = estimated > window * threshold;
    if (high || force) this.emit(frame, { type: 'CompactTriggered', estimated_tokens: estimated });
    const started = performance.now();
    // The engine works on messages: tool definitions stay here (they are large and byte-stable), and the
    // window it is told about is what remains for messages once they are counted.
    const { tools, ...messagesOnly } = request;
    const toolTokens =
      tools === undefined
        ? 0
        : this.#env.snapshot.router.estimateRequestTokens({ model: '', messages: [], tools });
    const input = {
      request: messagesOnly,
      contextWindow: Math.max(1024, window - toolTokens),
      compactThresholdRatio: threshold,
      ...(force ? { force: true } : {}),
    };
    const op = force ? 'context:compact' : 'context:beforeRequest';
    const result = await this.#slotCall(frame, owner, 'context engine', async (plugin) => {
      const out = (await abortable(
        plugin.sandbox.call(op, input, {
          config: plugin.settings,
          ...(frame.signal === undefined ? {} : { signal: frame.signal }),
        }),
        frame.signal,
      )) as { request?: { messages?: unknown }; reports?: unknown } | null;
      const messages = validMessages(out?.request?.messages, request.messages);
      if (messages === undefined) {
        throw new RokuError(
          'ROKU_PLUGIN_FAILED',
          `${plugin.manifest.id}: ${op} returned an invalid request (messages must be a non-empty list no longer than the input, with every tool result answering a call)`,
        );
      }
      const reports: unknown[] = Array.isArray(out?.reports) ? (out.reports as unknown[]) : [];
      return { messages, reports };
    });
    if (result === undefined) return request;
    let compacted = false;
    // Reports come from a plugin: only known types with finite numbers become events.
    const count = (v: unknown): number | undefined =>
      typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined;
    for (const raw of result.reports.slice(0, 8)) {
      if (raw === null || typeof raw !== 'object') continue;
      const r = raw as Record<string, unknown>;
      const freed = count(r.freed_tokens);
      const collapsed = count(r.messages_collapsed);
      if (r.type === 'MicrocompactRan' && freed !== undefined) {
        this.emit(frame, { type: 'MicrocompactRan', freed_tokens: freed });
      } else if (r.type === 'MidCompactLayer1Ran' && collapsed !== undefined) {
        this.emit(frame, { type: 'MidCompactLayer1Ran', messages_collapsed: collapsed });
      } else if (r.type === 'CompactComplete') {
        compacted = true;
        this.emit(frame, {
          type: 'CompactComplete',
          llm_succeeded: r.llm_succeeded === true,
          elapsed_ms: Math.round(performance.now() - started),
        });
      }
    }
    if ((high || force) && !compacted) {
      this.emit(frame, {
        type: 'CompactComplete',
        llm_succeeded: false,
        elapsed_ms: Math.round(performance.now() - started),
      });
    }
    return { ...request, messages: result.messages };
  }

  /** Calls a slot owner; on failure tells the user and tries the default; undefined when both fail. */
  async #slotCall<T>(
    frame: AgentFrame | undefined,
    owner: SlotOwner,
    label: string,
    call: (plugin: SlotOwner['plugin']) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await call(owner.plugin);
    } catch (err) {
      const error = asRokuError(err);
      if (error.code === 'ROKU_RUN_INTERRUPTED') throw error;
      const fallback = owner.fallback;
      this.#env.logger.warn({ err: error, pluginId: owner.plugin.manifest.id }, `${label} failed`);
      if (fallback === undefined || fallback === owner.plugin) {
        this.emit(frame, {
          type: 'PluginFallback',
          slot: label,
          plugin_id: owner.plugin.manifest.id,
          fallback_id: 'none',
          reason: `${error.message} [${error.code}]`,
        });
        return undefined;
      }
      this.emit(frame, {
        type: 'PluginFallback',
        slot: label,
        plugin_id: owner.plugin.manifest.id,
        fallback_id: fallback.manifest.id,
        reason: `${error.message} [${error.code}]`,
      });
      try {
        return await call(fallback);
      } catch (err2) {
        const e2 = asRokuError(err2);
        if (e2.code === 'ROKU_RUN_INTERRUPTED') throw e2;
        this.#env.logger.warn({ err: e2, pluginId: fallback.manifest.id }, `default ${label} failed too`);
        return undefined;
      }
    }
  }

  async #recall(sessionId: string, query: string): Promise<MemoryRecord[]> {
    const owner = this.#env.snapshot.memory;
    if (owner === undefined || query.trim() === '') return [];
    const records = await this.#slotCall<unknown[]>(undefined, owner, 'memory slot', async (plugin) => {
      const out = await abortable(
        plugin.sandbox.call(
          'memory:recall',
          { sessionId, query, limit: MEMORY_RECALL_LIMIT },
          { config: plugin.settings },
        ),
        this.#env.signal,
      );
      if (!Array.isArray(out))
        throw new RokuError(
          'ROKU_PLUGIN_FAILED',
          `${plugin.manifest.id}: memory:recall did not return a list`,
        );
      return out;
    });
    return (records ?? [])
      .filter(
        (r): r is MemoryRecord =>
          typeof r === 'object' && r !== null && typeof (r as MemoryRecord).text === 'string',
      )
      .slice(0, MEMORY_RECALL_LIMIT);
  }

  /** Writes the finished exchange to the session's memory slot (short-term continuity). */
  async remember(goal: string, answer: string): Promise<void> {
    const owner = this.#env.snapshot.memory;
    if (owner === undefined) return;
    const text = truncateChars(`Q: ${goal}\nA: ${answer}`, 1000);
    await this.#slotCall(undefined, owner, 'memory slot', async (plugin) =>
      plugin.sandbox.call(
        'memory:write',
        { sessionId: this.#main.state.sessionId, records: [{ text, tags: ['exchange'] }] },
        { config: plugin.settings },
      ),
    );
  }

  /** Runs calls in order (serially). Pauses at the first call that waits for an approval in pause mode. */
  async #runCalls(
    frame: AgentFrame,
    calls: readonly ToolCall[],
  ): Promise<
    (StepOutcome & { failedCalls: number }) | { kind: 'paused'; approvalId: string; message: string }
  > {
    let failedCalls = 0;
    let finish: StepOutcome | undefined;
    for (const call of calls) {
      if (finish !== undefined) {
        frame.conversation.append([
          {
            role: 'tool',
            toolCallId: call.id,
            content: '[not run: the run had already ended]',
            isError: true,
          },
        ]);
        continue;
      }
      if (frame.signal?.aborted === true) throw interrupted();
      const result = await this.#runCall(frame, call);
      if (result.kind === 'paused') return result;
      if (result.kind === 'finish') finish = result.outcome;
      if (result.kind === 'result' && result.failed) {
        failedCalls += 1;
        frame.state.remainingRecovery -= 1;
      }
    }
    return finish === undefined ? { kind: 'continue', failedCalls } : { ...finish, failedCalls };
  }

  #appendResult(frame: AgentFrame, call: ToolCall, content: string, isError: boolean, started: number): void {
    const text = truncateChars(content, this.#env.settings.toolResultMaxChars);
    frame.conversation.append([{ role: 'tool', toolCallId: call.id, content: text, isError }]);
    this.#turnToolTokens += Math.ceil(Buffer.byteLength(text) / 4);
    this.emit(frame, {
      type: 'ToolEnd',
      tool_name: call.name,
      tool_call_id: call.id,
      elapsed_ms: Math.round(performance.now() - started),
      result_summary: summarize(text),
      is_error: isError,
    });
  }

  async #runCall(
    frame: AgentFrame,
    call: ToolCall,
  ): Promise<
    | { kind: 'result'; failed: boolean }
    | { kind: 'finish'; outcome: StepOutcome }
    | { kind: 'paused'; approvalId: string; message: string }
  > {
    const started = performance.now();
    const { snapshot, settings, store } = this.#env;
    this.emit(frame, {
      type: 'ToolStart',
      tool_name: call.name,
      tool_call_id: call.id,
      args_summary: summarize(call.arguments),
    });
    const args = (call.arguments ?? {}) as Record<string, unknown>;
    const done = (content: string, isError: boolean): { kind: 'result'; failed: boolean } => {
      this.#appendResult(frame, call, content, isError, started);
      return { kind: 'result', failed: isError };
    };

    if (frame.exclude.has(call.name)) {
      if (call.name === PSEUDO_TOOLS.agent) {
        return done('[Sub-agent error] Sub-agents cannot spawn further sub-agents.', true);
      }
      return done(`error: ${call.name} is not available here`, true);
    }
    switch (call.name) {
      case PSEUDO_TOOLS.finalAnswer: {
        const message = typeof args.message === 'string' ? args.message : resultText(args);
        this.#appendResult(frame, call, 'ok', false, started);
        return { kind: 'finish', outcome: { kind: 'finish', status: 'succeeded', message } };
      }
      case PSEUDO_TOOLS.askUser: {
        const question = typeof args.question === 'string' ? args.question : resultText(args);
        this.#appendResult(
          frame,
          call,
          'asked the user; their answer comes as the next message',
          false,
          started,
        );
        return { kind: 'finish', outcome: { kind: 'finish', status: 'succeeded', message: question } };
      }
      case PSEUDO_TOOLS.fail: {
        const reason = typeof args.reason === 'string' ? args.reason : 'the model gave up';
        this.#appendResult(frame, call, 'ok', false, started);
        return {
          kind: 'finish',
          outcome: {
            kind: 'finish',
            status: 'failed',
            message: reason,
            error: new RokuError('ROKU_RUN_FAILED', `the model gave up: ${reason}`),
          },
        };
      }
      case PSEUDO_TOOLS.toolSearch: {
        const query = typeof args.query === 'string' ? args.query : '';
        const limit =
          typeof args.limit === 'number' && args.limit > 0 ? Math.min(20, Math.floor(args.limit)) : 5;
        const hits = snapshot.catalog.search(query, limit);
        for (const h of hits)
          if (!frame.state.loadedTools.includes(h.name)) frame.state.loadedTools.push(h.name);
        frame.state.loadedTools.sort();
        return done(
          hits.length === 0
            ? `no tools match "${query}"`
            : `loaded ${hits.length} tool(s); they are available from the next step:\n${hits.map((h) => `- ${h.name}: ${h.description}`).join('\n')}`,
          false,
        );
      }
      case PSEUDO_TOOLS.agent:
        return done(...(await this.#subagent(frame, args)));
      default:
        break;
    }

    const entry = snapshot.catalog.get(call.name);
    if (entry === undefined) {
      return done(`error: unknown tool "${call.name}"; call only the tools you were given`, true);
    }
    if (frame.state.planMode && !(entry.risk.length > 0 && entry.risk.every((r) => r === 'read'))) {
      return done(
        `error: plan mode is on; ${call.name} (risk: ${entry.risk.join(', ')}) is not available`,
        true,
      );
    }

    // Approvals: a ticket recorded for this call earlier (a resumed run) decides it; otherwise the policy.
    const existing =
      frame === this.#main
        ? store.listApprovals({ runId: frame.state.runId }).find((t) => t.toolCallId === call.id)
        : undefined;
    if (existing !== undefined) return this.#fromTicket(frame, call, existing, entry, started);

    const verdict = classifyCall({
      tool: call.name,
      args: call.arguments,
      risk: entry.risk,
      denyPatterns: settings.denyPatterns,
      autoApprove: frame.state.autoApprove,
      alwaysAllowed: new Set([...frame.state.alwaysAllowed, ...this.#env.alwaysAllowed]),
    });
    if (verdict.kind === 'deny') {
      this.emit(frame, {
        type: 'ApprovalDecided',
        approval_id: '',
        tool_name: call.name,
        decision: 'denied',
        by: 'policy',
        reason: verdict.reason,
      });
      return done(`denied by policy: ${verdict.reason}. The call was not run.`, false);
    }
    if (verdict.kind === 'run') return done(...(await this.#execute(frame, entry, call)));

    const mode = frame.state.approvalMode;
    if (mode === 'deny') {
      this.emit(frame, {
        type: 'ApprovalDecided',
        approval_id: '',
        tool_name: call.name,
        decision: 'denied',
        by: 'pipe',
        reason: verdict.reason,
      });
      return done(
        `denied: ${call.name} needs approval (${verdict.reason}) and this session cannot ask (pipe mode). Run it in interactive \`roku chat\`, or pass --yes-always to approve every call.`,
        false,
      );
    }
    if (mode === 'pause' && frame !== this.#main) {
      return done(
        `denied: ${call.name} needs approval (${verdict.reason}); a sub-agent cannot pause for one. Ask the parent to run it.`,
        false,
      );
    }
    const digest = callDigest(call.name, call.arguments);
    const ticket = store.createApproval(
      {
        id: `ap-${crypto.randomUUID()}`,
        runId: this.#main.state.runId,
        sessionId: this.#main.state.sessionId,
        toolCallId: frame === this.#main ? call.id : `${frame.agentId}:${call.id}`,
        toolName: call.name,
        arguments: call.arguments,
        digest,
        risk: entry.risk,
      },
      this.#main.state,
    );
    this.emit(frame, {
      type: 'ApprovalRequested',
      approval_id: ticket.id,
      tool_name: call.name,
      digest,
      risk: entry.risk,
      args_summary: summarize(call.arguments),
    });
    if (mode === 'pause') {
      return {
        kind: 'paused',
        approvalId: ticket.id,
        message: `waiting for approval ${ticket.id}: ${call.name} ${summarize(call.arguments, 120)}`,
      };
    }
    // This process asks, so it keeps owning the run: another process may not decide the ticket meanwhile
    // (if this one dies, the ticket can be decided anywhere).
    this.#env.store.checkpointRun(this.#main.state.runId, this.#main.state, { ownerPid: this.#env.pid });
    // This process asks, so it keeps owning the run: another process may not decide the ticket meanwhile
    // (if this one dies, the ticket can be decided anywhere).
    this.#env.store.checkpointRun(this.#main.state.runId, this.#main.state, { ownerPid: this.#env.pid });
    const answer = await this.#ask(frame, ticket);
    if (answer === 'always') this.#env.alwaysAllowed.add(call.name);
    const decided = store.decideApproval(ticket.id, { approved: answer !== 'reject', by: 'interactive' });
    this.#env.store.checkpointRun(this.#main.state.runId, this.#main.state, {
      status: 'running',
      ownerPid: this.#env.pid,
    });
    // ToolEnd.elapsed_ms measures the tool, not the time the person took to answer.
    return this.#fromTicket(frame, call, decided, entry, performance.now(), true);
  }

  async #ask(frame: AgentFrame, ticket: ApprovalRow): Promise<'approve' | 'reject' | 'always'> {
    const ask = this.#env.handlers.approve;
    if (ask === undefined) return 'reject';
    try {
      return await abortable(
        ask({
          approvalId: ticket.id,
          toolName: ticket.toolName,
          arguments: ticket.arguments,
          risk: ticket.risk,
          digest: ticket.digest,
          argsSummary: summarize(ticket.arguments, 400),
        }),
        frame.signal,
      );
    } catch (err) {
      if (asRokuError(err).code === 'ROKU_RUN_INTERRUPTED') throw err;
      return 'reject';
    }
  }

  /** Applies a decided ticket: a rejection becomes a denial result; an approval runs the exact call once. */
  async #fromTicket(
    frame: AgentFrame,
    call: ToolCall,
    ticket: ApprovalRow,
    entry: NonNullable<ReturnType<AgentSnapshot['catalog']['get']>>,
    started: number,
    announced = false,
  ): Promise<{ kind: 'result'; failed: boolean } | { kind: 'paused'; approvalId: string; message: string }> {
    const { store } = this.#env;
    const done = (content: string, isError: boolean): { kind: 'result'; failed: boolean } => {
      this.#appendResult(frame, call, content, isError, started);
      return { kind: 'result', failed: isError };
    };
    if (!announced || ticket.status !== 'pending') {
      if (ticket.status === 'approved' || ticket.status === 'rejected') {
        this.emit(frame, {
          type: 'ApprovalDecided',
          approval_id: ticket.id,
          tool_name: call.name,
          decision: ticket.status,
          by: ticket.decidedBy ?? 'unknown',
          ...(ticket.comment === null ? {} : { reason: ticket.comment }),
        });
      }
    }
    switch (ticket.status) {
      case 'pending':
        return { kind: 'paused', approvalId: ticket.id, message: `waiting for approval ${ticket.id}` };
      case 'rejected':
      case 'cancelled':
        return done(
          `denied: the user rejected this call${ticket.comment === null ? '' : ` (${ticket.comment})`}. It was not run.`,
          false,
        );
      case 'executed':
        return done(resultText(ticket.result), false);
      case 'executing':
        return done(
          'error: this approved call started before the host stopped; its outcome is unknown and it is not run again',
          true,
        );
      case 'approved':
        break;
    }
    const digest = callDigest(call.name, call.arguments);
    if (!store.claimApprovalExecution(ticket.id, digest)) {
      const again = store.getApproval(ticket.id);
      return again?.status === 'executed'
        ? done(resultText(again.result), false)
        : done('error: this approved call was already started elsewhere; it is not run twice', true);
    }
    const [content, isError] = await this.#execute(frame, entry, call);
    store.completeApprovalExecution(ticket.id, isError ? { error: content } : content);
    return done(content, isError);
  }

  /** Runs a plugin tool in its sandbox; errors become error results for the model. */
  async #execute(
    frame: AgentFrame,
    entry: NonNullable<ReturnType<AgentSnapshot['catalog']['get']>>,
    call: ToolCall,
  ): Promise<[string, boolean]> {
    try {
      const output = await abortable(
        entry.plugin.sandbox.call(`tool:${entry.toolName}`, call.arguments ?? {}, {
          config: entry.plugin.settings,
          ...(frame.signal === undefined ? {} : { signal: frame.signal }),
          context: { runId: this.#main.state.runId, sessionId: this.#main.state.sessionId },
        }),
        frame.signal,
      );
      return [resultText(output), false];
    } catch (err) {
      const error = asRokuError(err);
      if (error.code === 'ROKU_RUN_INTERRUPTED') throw error;
      return [`error [${error.code}]: ${error.message}`, true];
    }
  }

  /** The Agent pseudo-tool: a sub-agent with a fresh conversation and steps reserved from the parent. */
  async #subagent(frame: AgentFrame, args: Record<string, unknown>): Promise<[string, boolean]> {
    const { settings, snapshot } = this.#env;
    const task = typeof args.task === 'string' ? args.task.trim() : '';
    if (task === '') return ['[Sub-agent error] Agent needs a non-empty task.', true];
    if (frame.depth >= 1) return ['[Sub-agent error] Sub-agents cannot spawn further sub-agents.', true];
    const budget = Math.min(frame.state.remainingSteps, settings.subagentMaxSteps);
    // Reserved up front and never refunded, whatever the child uses.
    frame.state.remainingSteps -= budget;
    const cap = (text: string): string => {
      const chars = codePoints(text);
      if (chars.length <= settings.subagentResultMaxChars) return text;
      return `${chars.slice(0, settings.subagentResultMaxChars).join('')}...\n[Sub-agent response truncated to ${settings.subagentResultMaxChars} chars]`;
    };
    const timeoutSeconds = Math.round(settings.subagentTimeoutMs / 1000);
    const timeout = AbortSignal.timeout(settings.subagentTimeoutMs);
    const signal = frame.signal === undefined ? timeout : AbortSignal.any([frame.signal, timeout]);
    const runtimeName = typeof args.runtime === 'string' ? args.runtime : undefined;
    const agentId = `sub-${++this.#subagents}`;
    try {
      if (runtimeName !== undefined) {
        const plugin = snapshot.subagents.get(runtimeName);
        if (plugin === undefined)
          return [`[Sub-agent error] No sub-agent runtime named "${runtimeName}".`, true];
        const out = await abortable(
          plugin.sandbox.call(
            `subagent:${runtimeName}:run`,
            { task, maxSteps: budget },
            {
              config: plugin.settings,
              signal,
              context: { runId: this.#main.state.runId, sessionId: this.#main.state.sessionId, agentId },
            },
          ),
          signal,
        );
        return [cap(resultText(out)), false];
      }
      const messages: ChatMessage[] = [{ role: 'user', content: task }];
      const child: AgentFrame = {
        agentId,
        depth: frame.depth + 1,
        signal,
        exclude: new Set([PSEUDO_TOOLS.agent, PSEUDO_TOOLS.askUser]),
        conversation: {
          list: () => messages.slice(),
          append: (more) => {
            messages.push(...more);
          },
        },
        state: {
          ...frame.state,
          step: 0,
          remainingSteps: budget,
          remainingRecovery: settings.recoveryBudget,
          loadedTools: [...frame.state.loadedTools],
          alwaysAllowed: [...frame.state.alwaysAllowed],
        },
      };
      let outcome: StepOutcome;
      for (;;) {
        outcome = await this.#step(child);
        if (outcome.kind !== 'continue') break;
      }
      if (outcome.kind === 'paused')
        return ['[Sub-agent error] The sub-agent stopped waiting for an approval.', true];
      return [cap(outcome.message), outcome.status !== 'succeeded'];
    } catch (err) {
      const error = asRokuError(err);
      if (frame.signal?.aborted === true) throw interrupted();
      if (timeout.aborted) return [`[Sub-agent error] Timed out after ${timeoutSeconds} seconds.`, true];
      return [`[Sub-agent error] ${error.message} [${error.code}]`, true];
    }
  }
}
