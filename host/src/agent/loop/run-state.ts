import { randomUUID } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import type { ChatMessage } from '@roku/schemas';
import type { LoopEvent, LoopEventInput, RunStatus } from '../../events/loop-events.js';
import { isProcessAlive } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import type { AgentSnapshot } from '../assembled.js';
import { closeDanglingCalls } from '../conversation.js';
import type { RunInput } from '../runtime-types.js';
import type { AgentSettings } from '../settings.js';
import type { AgentFrame, Checkpoint, Conversation, LoopRun } from './types.js';

export const DEFAULT_SESSION_ID = 'chat-default';

/**
 * The conversation startRun has just read and extended, for the run's loop to start from instead of reading
 * the whole session again (keyed by the run's checkpoint object; weak, so a run never started costs nothing).
 */
const startedConversations = new WeakMap<Checkpoint, ChatMessage[]>();

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Starts a run: its session, its first checkpoint and its user message, all recorded before the loop runs.
 * @throws ROKU_RUN_FAILED (empty goal), ROKU_SESSION_BUSY, ROKU_MODEL_NOT_FOUND
 */
export function startRun(
  store: Store,
  settings: AgentSettings,
  snapshot: AgentSnapshot,
  input: RunInput,
  pid: number,
): Checkpoint {
  const sessionId = input.sessionId ?? DEFAULT_SESSION_ID;
  const goal = input.goal.trim();
  if (goal === '') throw new RokuError('ROKU_RUN_FAILED', 'the goal is empty; say what you want done');
  // one commit: the session, the run, its user message and first checkpoint are all there, or none of them
  return store.atomically(() => {
    store.touchSession(sessionId);
    const runId = input.runId ?? newRunId();
    const model = input.model ?? (settings.defaultModel === '' ? null : settings.defaultModel);
    // Tools loaded through tool_search stay loaded for the session, so the definitions (and the provider's
    // prompt cache) stay the same from one turn to the next.
    const previous = store.latestRunStateField(sessionId, 'loadedTools');
    const loadedTools = Array.isArray(previous)
      ? previous.filter((n): n is string => typeof n === 'string').slice(0, 256)
      : [];
    if (model !== null) snapshot.router.select({ model, estimatedPromptTokens: 0, expectedOutputTokens: 0 });
    const state: Checkpoint = {
      v: 1,
      runId,
      sessionId,
      goal,
      approvalMode: input.approvalMode,
      autoApprove: input.autoApprove ?? settings.autoApprove,
      planMode: input.planMode ?? false,
      model,
      modelPinned: model !== null,
      modelFromConfig: input.model === undefined && model !== null,
      step: 0,
      remainingSteps: settings.stepBudget,
      remainingRecovery: settings.recoveryBudget,
      loadedTools,
      alwaysAllowed: [],
      usage: { prompt: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 },
      firstSeq: 0,
    };
    store.startRun({ id: runId, sessionId, goal, ownerPid: pid, state }, isProcessAlive);
    // A previous run that died mid-step may have left calls without results: close them first.
    const messages = store.listMessages(sessionId).map((m) => m.message);
    const dangling = closeDanglingCalls(messages);
    if (dangling.length > 0) {
      messages.push(...store.appendMessages(sessionId, runId, dangling).map((m) => m.message));
    }
    const [user] = store.appendMessages(sessionId, runId, [{ role: 'user', content: goal }]);
    state.firstSeq = user?.seq ?? 0;
    store.checkpointRun(runId, state);
    if (user !== undefined) startedConversations.set(state, [...messages, user.message]);
    return state;
  });
}

/**
 * The main agent's conversation: the session's messages, read once per run and then kept in step with what
 * the run appends (a session has one run at a time, and every step needs the whole conversation).
 */
export function sessionConversation(store: Store, state: Checkpoint): Conversation {
  let messages: ChatMessage[] | undefined;
  // appended for the loop, not yet committed (see appendLater)
  let unsaved: ChatMessage[] = [];
  const load = (): ChatMessage[] => {
    if (messages === undefined) {
      messages = startedConversations.get(state);
      startedConversations.delete(state);
    }
    messages ??= store.listMessages(state.sessionId).map((m) => m.message);
    return messages;
  };
  const write = (more: readonly ChatMessage[]): void => {
    const batch = unsaved.length === 0 ? more : [...unsaved, ...more];
    if (batch.length === 0) return;
    store.appendMessages(state.sessionId, state.runId, batch);
    unsaved = [];
  };
  return {
    list: () => load().slice(),
    append: (more) => {
      write(more);
      messages?.push(...more);
    },
    appendLater: (more) => {
      // loaded first: a list read from the store later would miss what is not committed yet
      load().push(...more);
      unsaved.push(...more);
    },
    save: () => {
      write([]);
    },
  };
}

/** Records an event (store and trace) and hands it to the run's handler; neither may break the run. */
export function emit(run: LoopRun, frame: AgentFrame | undefined, event: LoopEventInput): void {
  notify(run, record(run, frame, event));
}

/**
 * Records an event without handing it to the handler yet (`notify`): an event written in the commit it
 * reports (the run's end) reaches the handler only once that commit is done.
 */
export function record(run: LoopRun, frame: AgentFrame | undefined, event: LoopEventInput): LoopEvent {
  const f = frame ?? run.main;
  const full = { ...event, step: f.state.step, agent_id: f.agentId } as LoopEvent;
  try {
    run.env.store.appendEvent(run.main.state.runId, full);
  } catch (err) {
    run.env.logger.warn({ err, runId: run.main.state.runId }, 'event not recorded');
  }
  return full;
}

/** Hands a recorded event to the run's handler, which may not break the run. */
export function notify(run: LoopRun, event: LoopEvent): void {
  try {
    run.env.handlers.onEvent?.(event);
  } catch (err) {
    run.env.logger.warn({ err }, 'event handler threw');
  }
}

/**
 * Writes the main agent's checkpoint (sub-agents are not resumable: they live inside one parent step), with
 * the messages the step kept for it (`appendLater`): one commit.
 */
export function checkpoint(run: LoopRun, update?: { status?: RunStatus; ownerPid?: number }): void {
  const { store } = run.env;
  store.atomically(() => {
    run.main.conversation.save();
    store.checkpointRun(run.main.state.runId, run.main.state, {
      ...(update?.status === undefined ? {} : { status: update.status }),
      ...(update?.ownerPid === undefined ? {} : { ownerPid: update.ownerPid }),
    });
  });
}
