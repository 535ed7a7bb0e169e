import { RokuError } from '@roku/schemas';
import type { ToolCall } from '@roku/schemas';
import { summarize } from '../../events/loop-events.js';
import { resultText } from '../../plugins/answers.js';
import { interrupted } from '../abort.js';
import { gateToolCall } from '../approvals/gate.js';
import { PSEUDO_TOOLS } from '../pseudo-tools.js';
import { runSubagent } from './subagents.js';
import { emit } from './run-state.js';
import { appendResult } from './tool-execution.js';
import type { AgentFrame, CallOutcome, Finished, LoopRun, Paused } from './types.js';

/** How the calls of one assistant message ended, and how many failed. */
export type CallsOutcome =
  (({ readonly kind: 'continue' } | Finished) & { readonly failedCalls: number }) | Paused;

/**
 * Runs the pending calls of the last assistant message in order (serially). Pauses at the first call that
 * waits for an approval in pause mode; once a call ended the run, the rest get a "not run" result.
 */
export async function runCalls(
  run: LoopRun,
  frame: AgentFrame,
  calls: readonly ToolCall[],
): Promise<CallsOutcome> {
  let failedCalls = 0;
  let finish: Finished | undefined;
  const early = startRuntimeSubagents(run, frame, calls);
  for (const call of calls) {
    // the previous call's result is committed before this one runs (the last one's with the checkpoint)
    frame.conversation.save();
    if (finish !== undefined) {
      frame.conversation.append([
        { role: 'tool', toolCallId: call.id, content: '[not run: the run had already ended]', isError: true },
      ]);
      continue;
    }
    if (frame.signal?.aborted === true) throw interrupted();
    const pending = early.get(call.id);
    const result =
      pending === undefined ? await runCall(run, frame, call) : await settleEarly(run, frame, call, pending);
    if (result.kind === 'paused') return result;
    if (result.kind === 'finish') finish = result.outcome;
    if (result.kind === 'result' && result.failed) {
      failedCalls += 1;
      frame.state.remainingRecovery -= 1;
    }
  }
  return finish === undefined ? { kind: 'continue', failedCalls } : { ...finish, failedCalls };
}

type SubagentAnswer = Promise<[content: string, isError: boolean]>;

/**
 * Several Agent calls of one message that name a sub-agent runtime plugin start together (each is its own
 * sandbox call with its own reserved steps); their results still join the conversation in call order.
 */
function startRuntimeSubagents(
  run: LoopRun,
  frame: AgentFrame,
  calls: readonly ToolCall[],
): Map<string, { readonly answer: SubagentAnswer; readonly started: number }> {
  const early = new Map<string, { readonly answer: SubagentAnswer; readonly started: number }>();
  if (frame.depth > 0 || frame.exclude.has(PSEUDO_TOOLS.agent)) return early;
  const parallel = calls.filter(
    (c) =>
      c.name === PSEUDO_TOOLS.agent &&
      typeof (c.arguments as { runtime?: unknown } | null)?.runtime === 'string',
  );
  if (parallel.length < 2) return early;
  for (const call of parallel) {
    emit(run, frame, {
      type: 'ToolStart',
      tool_name: call.name,
      tool_call_id: call.id,
      args_summary: summarize(call.arguments),
    });
    const answer = runSubagent(run, frame, (call.arguments ?? {}) as Record<string, unknown>);
    // Awaited in order below; an interruption must not surface as unhandled meanwhile.
    answer.catch(() => undefined);
    early.set(call.id, { answer, started: performance.now() });
  }
  return early;
}

async function settleEarly(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  pending: { readonly answer: SubagentAnswer; readonly started: number },
): Promise<CallOutcome> {
  const [content, isError] = await pending.answer;
  return appendResult(run, frame, call, content, isError, pending.started);
}

/** One call: a pseudo-tool the loop handles itself, or a plugin tool through the approval gate. */
async function runCall(run: LoopRun, frame: AgentFrame, call: ToolCall): Promise<CallOutcome> {
  const started = performance.now();
  emit(run, frame, {
    type: 'ToolStart',
    tool_name: call.name,
    tool_call_id: call.id,
    args_summary: summarize(call.arguments),
  });
  const done = (content: string, isError: boolean): CallOutcome =>
    appendResult(run, frame, call, content, isError, started);

  if (frame.exclude.has(call.name)) {
    if (call.name === PSEUDO_TOOLS.agent) {
      return done('[Sub-agent error] Sub-agents cannot spawn further sub-agents.', true);
    }
    return done(`error: ${call.name} is not available here`, true);
  }
  const pseudo = await runPseudoTool(run, frame, call, started);
  if (pseudo !== undefined) return pseudo;

  const entry = run.env.snapshot.catalog.get(call.name);
  if (entry === undefined) {
    return done(`error: unknown tool "${call.name}"; call only the tools you were given`, true);
  }
  if (frame.state.planMode && !(entry.risk.length > 0 && entry.risk.every((r) => r === 'read'))) {
    return done(
      `error: plan mode is on; ${call.name} (risk: ${entry.risk.join(', ')}) is not available`,
      true,
    );
  }
  return gateToolCall(run, frame, call, entry, started);
}

/** The pseudo-tools (final_answer, ask_user, fail, tool_search, Agent); undefined for any other name. */
async function runPseudoTool(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  started: number,
): Promise<CallOutcome | undefined> {
  const args = (call.arguments ?? {}) as Record<string, unknown>;
  const done = (content: string, isError: boolean): CallOutcome =>
    appendResult(run, frame, call, content, isError, started);
  const finish = (outcome: Finished, result: string): CallOutcome => {
    appendResult(run, frame, call, result, false, started);
    return { kind: 'finish', outcome };
  };
  switch (call.name) {
    case PSEUDO_TOOLS.finalAnswer: {
      const message = typeof args.message === 'string' ? args.message : resultText(args);
      return finish({ kind: 'finish', status: 'succeeded', message }, 'ok');
    }
    case PSEUDO_TOOLS.askUser: {
      const question = typeof args.question === 'string' ? args.question : resultText(args);
      return finish(
        { kind: 'finish', status: 'succeeded', message: question },
        'asked the user; their answer comes as the next message',
      );
    }
    case PSEUDO_TOOLS.fail: {
      const reason = typeof args.reason === 'string' ? args.reason : 'the model gave up';
      const error = new RokuError('ROKU_RUN_FAILED', `the model gave up: ${reason}`);
      return finish({ kind: 'finish', status: 'failed', message: reason, error }, 'ok');
    }
    case PSEUDO_TOOLS.toolSearch: {
      const query = typeof args.query === 'string' ? args.query : '';
      const limit =
        typeof args.limit === 'number' && args.limit > 0 ? Math.min(20, Math.floor(args.limit)) : 5;
      const hits = run.env.snapshot.catalog.search(query, limit);
      const loaded = frame.state.loadedTools;
      for (const h of hits) if (!loaded.includes(h.name)) loaded.push(h.name);
      loaded.sort();
      return done(
        hits.length === 0
          ? `no tools match "${query}"`
          : `loaded ${hits.length} tool(s); they are available from the next step:\n${hits.map((h) => `- ${h.name}: ${h.description}`).join('\n')}`,
        false,
      );
    }
    case PSEUDO_TOOLS.agent:
      return done(...(await runSubagent(run, frame, args)));
    default:
      return undefined;
  }
}
