import { pluginOp } from '@roku/schemas';
import type { ChatMessage } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { abortable, asRokuError, interrupted } from '../abort.js';
import { codePoints } from '../conversation.js';
import { PSEUDO_TOOLS } from '../pseudo-tools.js';
import type { AgentFrame, LoopRun } from './types.js';

/**
 * The Agent pseudo-tool: a sub-agent (depth 1) with a fresh conversation, a timeout and steps reserved from
 * the parent, run by the loop itself or by a sub-agent runtime plugin. Its answer is cut to
 * agent.subagentResultMaxChars; every failure becomes an error result for the parent.
 */
export async function runSubagent(
  run: LoopRun,
  frame: AgentFrame,
  args: Record<string, unknown>,
): Promise<[content: string, isError: boolean]> {
  const { settings } = run.env;
  const task = typeof args.task === 'string' ? args.task.trim() : '';
  if (task === '') return ['[Sub-agent error] Agent needs a non-empty task.', true];
  if (frame.depth >= 1) return ['[Sub-agent error] Sub-agents cannot spawn further sub-agents.', true];
  const budget = Math.min(frame.state.remainingSteps, settings.subagentMaxSteps);
  // Reserved up front and never refunded, whatever the child uses.
  frame.state.remainingSteps -= budget;
  const timeoutSeconds = Math.round(settings.subagentTimeoutMs / 1000);
  const timeout = AbortSignal.timeout(settings.subagentTimeoutMs);
  const signal = frame.signal === undefined ? timeout : AbortSignal.any([frame.signal, timeout]);
  const runtimeName = typeof args.runtime === 'string' ? args.runtime : undefined;
  const agentId = `sub-${++run.subagents}`;
  try {
    if (runtimeName !== undefined) {
      return await pluginSubagent(run, runtimeName, { task, budget, agentId, signal });
    }
    const child = childFrame(run, frame, { task, budget, agentId, signal });
    const outcome = await run.drive(child);
    if (outcome.kind === 'paused') {
      return ['[Sub-agent error] The sub-agent stopped waiting for an approval.', true];
    }
    return [capAnswer(run, outcome.message), outcome.status !== 'succeeded'];
  } catch (err) {
    const error = asRokuError(err);
    if (frame.signal?.aborted === true) throw interrupted();
    if (timeout.aborted) return [`[Sub-agent error] Timed out after ${timeoutSeconds} seconds.`, true];
    return [`[Sub-agent error] ${error.message} [${error.code}]`, true];
  }
}

interface SubagentStart {
  readonly task: string;
  readonly budget: number;
  readonly agentId: string;
  readonly signal: AbortSignal;
}

function capAnswer(run: LoopRun, text: string): string {
  const max = run.env.settings.subagentResultMaxChars;
  const chars = codePoints(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max).join('')}...\n[Sub-agent response truncated to ${max} chars]`;
}

/** A sub-agent runtime plugin runs the task in its sandbox. */
async function pluginSubagent(
  run: LoopRun,
  runtimeName: string,
  start: SubagentStart,
): Promise<[content: string, isError: boolean]> {
  const plugin = run.env.snapshot.subagents.get(runtimeName);
  if (plugin === undefined) return [`[Sub-agent error] No sub-agent runtime named "${runtimeName}".`, true];
  const { runId, sessionId } = run.main.state;
  const answer = await abortable(
    callPlugin(
      plugin.sandbox,
      pluginOp('subagent.run', runtimeName),
      { task: start.task, maxSteps: start.budget },
      {
        config: plugin.settings,
        signal: start.signal,
        context: { runId, sessionId, agentId: start.agentId },
      },
    ),
    start.signal,
  );
  return [capAnswer(run, answer), false];
}

/** The loop's own sub-agent: a frame with a fresh conversation, no Agent or ask_user, and its own budget. */
function childFrame(run: LoopRun, frame: AgentFrame, start: SubagentStart): AgentFrame {
  const messages: ChatMessage[] = [{ role: 'user', content: start.task }];
  return {
    agentId: start.agentId,
    depth: frame.depth + 1,
    signal: start.signal,
    exclude: new Set([PSEUDO_TOOLS.agent, PSEUDO_TOOLS.askUser]),
    conversation: {
      list: () => messages.slice(),
      append: (more) => {
        messages.push(...more);
      },
      appendLater: (more) => {
        messages.push(...more);
      },
      save: () => undefined,
    },
    state: {
      ...frame.state,
      step: 0,
      remainingSteps: start.budget,
      remainingRecovery: run.env.settings.recoveryBudget,
      loadedTools: [...frame.state.loadedTools],
      alwaysAllowed: [...frame.state.alwaysAllowed],
    },
  };
}
