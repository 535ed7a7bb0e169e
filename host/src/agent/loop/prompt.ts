import type { ChatMessage, MemoryRecord } from '@roku/schemas';
import type { Logger } from 'pino';
import { truncateChars } from '../conversation.js';
import type { SlotOwner } from '../snapshot/snapshot.js';
import { recallMemory } from '../slots/memory.js';
import type { FallbackEvent } from '../slots/slot-call.js';
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

/**
 * A memory recall started with the run, before its start is recorded, so the memory slot answers while the
 * host writes the run's first rows instead of after (the run's first model call waits for it). Its fallback
 * events are kept until the run uses the recall, so they come after RunStarted like any other event.
 */
export interface MemoryPrefetch {
  readonly sessionId: string;
  readonly goal: string;
  readonly answer: Promise<{ readonly records: MemoryRecord[] } | { readonly error: unknown }>;
  readonly fallbacks: FallbackEvent[];
}

/** Starts the recall a run on `goal` will need (none for an empty goal: the run will not start). */
export function prefetchMemory(
  owner: SlotOwner | undefined,
  logger: Logger,
  sessionId: string,
  goal: string,
  signal: AbortSignal | undefined,
): MemoryPrefetch | undefined {
  const query = goal.trim();
  if (owner === undefined || query === '') return undefined;
  const fallbacks: FallbackEvent[] = [];
  const answer = recallMemory(
    owner,
    { sessionId, query, limit: MEMORY_RECALL_LIMIT },
    { logger, signal, onFallback: (event) => fallbacks.push(event) },
  ).then(
    (records) => ({ records }),
    // kept for the run to rethrow where it uses the recall (an interruption); never an unhandled rejection
    (error: unknown) => ({ error }),
  );
  return { sessionId, goal: query, answer, fallbacks };
}

/** The records of a prefetched recall, its fallback events emitted now. @throws what the recall threw */
async function prefetched(run: LoopRun, prefetch: MemoryPrefetch): Promise<MemoryRecord[]> {
  const answer = await prefetch.answer;
  for (const event of prefetch.fallbacks.splice(0)) emit(run, undefined, event);
  if ('error' in answer) throw answer.error;
  return answer.records;
}

/** The run's recalled memory, fetched once per run (main agent only). */
async function memoryBlock(run: LoopRun): Promise<string> {
  if (run.memory !== undefined) return run.memory;
  const { sessionId, goal } = run.main.state;
  const prefetch = run.env.memoryPrefetch;
  const records =
    goal.trim() === ''
      ? []
      : prefetch !== undefined && prefetch.sessionId === sessionId && prefetch.goal === goal
        ? await prefetched(run, prefetch)
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
