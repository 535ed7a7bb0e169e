import { RokuError } from '@roku/schemas';
import type { LoopEventInput } from '../../events/loop-events.js';
import { asRokuError, interrupted } from '../abort.js';
import { pendingCalls, truncateChars } from '../conversation.js';
import type { RunResult } from '../runtime-types.js';
import { writeMemory } from '../slots/memory.js';
import { conclude } from './conclude.js';
import { askModel } from './model-call.js';
import { checkpoint, emit, sessionConversation } from './run-state.js';
import { runCalls } from './tool-calls.js';
import type { AgentFrame, Checkpoint, FrameOutcome, LoopEnv, LoopRun, StepOutcome } from './types.js';

const PER_TURN_TOOL_BUDGET_TOKENS = 200_000;

/**
 * One agent run. The host owns the loop: budgets, approvals, serial tool execution and the order of events;
 * plugins only answer calls. Each step either runs the pending calls of the last assistant message
 * (`tool-calls.ts`) or asks the model (`model-call.ts`); `conclude.ts` records how the run ended.
 */
export class AgentLoop {
  readonly #run: LoopRun;

  constructor(env: LoopEnv, state: Checkpoint) {
    const main: AgentFrame = {
      agentId: 'main',
      depth: 0,
      state,
      exclude: new Set(),
      signal: env.signal,
      conversation: sessionConversation(env.store, state),
    };
    const run: LoopRun = {
      env,
      main,
      subagents: 0,
      lastModel: undefined,
      turnToolTokens: 0,
      memory: undefined,
      drive: (frame) => driveFrame(run, frame),
    };
    this.#run = run;
  }

  get state(): Checkpoint {
    return this.#run.main.state;
  }

  emit(event: LoopEventInput): void {
    emit(this.#run, undefined, event);
  }

  /** Drives the main agent until it finishes, pauses on an approval, fails or is interrupted. */
  async run(): Promise<RunResult> {
    let outcome: FrameOutcome;
    try {
      outcome = await driveFrame(this.#run, this.#run.main);
    } catch (err) {
      const error = asRokuError(err);
      outcome = {
        kind: 'finish',
        status: error.code === 'ROKU_RUN_INTERRUPTED' ? 'interrupted' : 'failed',
        message: error.message,
        error,
      };
    }
    return conclude(this.#run, outcome);
  }

  /** Writes the finished exchange to the session's memory slot (short-term continuity). */
  async remember(goal: string, answer: string): Promise<void> {
    const { env, main } = this.#run;
    const text = truncateChars(`Q: ${goal}\nA: ${answer}`, 1000);
    await writeMemory(
      env.snapshot.memory,
      { sessionId: main.state.sessionId, records: [{ text, tags: ['exchange'] }] },
      {
        logger: env.logger,
        onFallback: (event) => {
          emit(this.#run, undefined, event);
        },
      },
    );
  }
}

/** Iterates a frame until it finishes or pauses. */
async function driveFrame(run: LoopRun, frame: AgentFrame): Promise<FrameOutcome> {
  for (;;) {
    const outcome = await step(run, frame);
    if (outcome.kind !== 'continue') return outcome;
  }
}

/** One iteration: run the pending tool calls, or ask the model. */
async function step(run: LoopRun, frame: AgentFrame): Promise<StepOutcome> {
  const { settings } = run.env;
  const state = frame.state;
  if (frame.signal?.aborted === true) throw interrupted();
  const pending = pendingCalls(frame.conversation.list());
  if (pending.length === 0) {
    if (state.remainingSteps > 0) return askModel(run, frame);
    return {
      kind: 'finish',
      status: 'failed',
      message: 'the step budget is used up',
      error: new RokuError(
        'ROKU_STEP_BUDGET_EXHAUSTED',
        `the run used all of its ${frame === run.main ? settings.stepBudget : 'reserved'} steps without finishing (agent.stepBudget)`,
      ),
    };
  }
  const outcome = await runCalls(run, frame, pending);
  if (outcome.kind === 'paused') return outcome;
  state.step += 1;
  state.remainingSteps = Math.max(0, state.remainingSteps - 1);
  emit(run, frame, { type: 'StepComplete', remaining_steps: state.remainingSteps });
  const tokens = run.turnToolTokens;
  emit(run, frame, {
    type: 'ToolBudgetCheck',
    per_turn_tool_tokens: tokens,
    exceeded: tokens > PER_TURN_TOOL_BUDGET_TOKENS,
  });
  if (frame === run.main) checkpoint(run);
  if (outcome.kind === 'finish') return outcome;
  if (state.remainingRecovery < 0 || (state.remainingRecovery === 0 && outcome.failedCalls > 0)) {
    return {
      kind: 'finish',
      status: 'failed',
      message: 'too many tool calls failed in this run',
      error: new RokuError(
        'ROKU_RECOVERY_BUDGET_EXHAUSTED',
        `the run stopped after ${settings.recoveryBudget} failed tool calls (agent.recoveryBudget)`,
      ),
    };
  }
  return { kind: 'continue' };
}
