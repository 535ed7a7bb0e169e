import type { ChatMessage } from '@roku/schemas';
import { truncateChars } from '../conversation.js';
import { recallMemory } from '../slots/memory.js';
import { emit } from './run-state.js';
import type { AgentFrame, LoopRun } from './types.js';

const MEMORY_RECALL_LIMIT = 3;

const STATIC_PROMPT = [
  'You are Roku, an assistant that works by calling tools.',
  'Call a tool when it helps; answer directly when it does not. Tool results may be cut; say so when it matters.',
  'When you are done, answer in plain text (or call final_answer). Call fail when the task cannot be done.',
].join('\n');

const PLAN_PROMPT =
  'Plan mode is on: only read-only tools are available. Investigate and propose a plan; do not change anything.';

/**
 * The system prompt is static per session (plan mode aside), so providers' prompt caches keep the whole prefix.
 * Recalled memory changes from run to run, so it goes with the run's own user message instead, where it only
 * costs the cache of the last turn.
 */
export function systemPrompt(frame: AgentFrame): string {
  return frame.state.planMode ? `${STATIC_PROMPT}\n\n${PLAN_PROMPT}` : STATIC_PROMPT;
}

/** The run's recalled memory, fetched once per run (main agent only). */
async function memoryBlock(run: LoopRun): Promise<string> {
  if (run.memory !== undefined) return run.memory;
  const { sessionId, goal } = run.main.state;
  const records =
    goal.trim() === ''
      ? []
      : await recallMemory(
          run.env.snapshot.memory,
          { sessionId, query: goal, limit: MEMORY_RECALL_LIMIT },
          {
            logger: run.env.logger,
            signal: run.env.signal,
            onFallback: (event) => {
              emit(run, undefined, event);
            },
          },
        );
  run.memory =
    records.length === 0
      ? ''
      : `Memory (recalled for this request):\n${records.map((r) => `- ${truncateChars(r.text, 500)}`).join('\n')}`;
  return run.memory;
}

/** History as sent: the memory block goes in a system message just before this run's user message. */
export async function historyForModel(run: LoopRun, frame: AgentFrame): Promise<ChatMessage[]> {
  const history = frame.conversation.list();
  if (frame !== run.main) return history;
  const block = await memoryBlock(run);
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

/**
 * The messages without the run's memory block, and the block. The context engine works on the conversation
 * alone: the block changes place every run, and with it in, the engine could never take a session's next
 * request as a continuation of its last one.
 */
export function withoutMemoryBlock(
  run: LoopRun,
  messages: readonly ChatMessage[],
): { readonly messages: readonly ChatMessage[]; readonly block: ChatMessage | undefined } {
  const text = run.memory;
  if (text === undefined || text === '') return { messages, block: undefined };
  const at = messages.findIndex((m, i) => i > 0 && m.role === 'system' && m.content === text);
  if (at < 0) return { messages, block: undefined };
  return { messages: [...messages.slice(0, at), ...messages.slice(at + 1)], block: messages[at] };
}

/** The memory block back in its place, just before the last user message (as historyForModel puts it). */
export function withMemoryBlock(messages: readonly ChatMessage[], block: ChatMessage): ChatMessage[] {
  const out = messages.slice();
  const last = out.findLastIndex((m) => m.role === 'user');
  if (last >= 0) out.splice(last, 0, block);
  return out;
}
