import type {
  ChatMessage,
  ContextHint,
  ContextReport,
  ContextResult,
  MemoryRecord,
  PluginOpInput,
  PluginOpKind,
  PluginOpResult,
  ToolCall,
} from '@roku/schemas';
import type { PlainJson } from '../sandbox/safe-json.js';
import { checkLiveModels } from './live-models.js';

/**
 * What a call resolves to once the plugin's answer is checked: the ABI's result type, except a provider's
 * answer, which the router checks itself (it tells a bad answer from a failure for retries and its breaker).
 */
export type PluginAnswer<K extends PluginOpKind> = K extends 'provider.chat' ? unknown : PluginOpResult<K>;

/** A checked answer: its value (and what was dropped from it), or what is wrong with it. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T; readonly dropped: readonly string[] }
  | { readonly ok: false; readonly problem: string };

export type AnswerCheck<K extends PluginOpKind> = (
  value: PlainJson,
  input: PluginOpInput<K>,
) => Checked<PluginAnswer<K>>;

/** Most reports of one context-engine answer that become events. */
const MAX_CONTEXT_REPORTS = 8;

const ok = <T>(value: T, dropped: readonly string[] = []): Checked<T> => ({ ok: true, value, dropped });

function isObject(value: PlainJson | undefined): value is { [key: string]: PlainJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text of a value, for answers that are text (a sub-agent's). */
export function resultText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols, whatever its type says.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? 'null';
  } catch {
    return String(value);
  }
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((t) => typeof t === 'string');
}

/**
 * A memory record rebuilt from its known fields: `text` a string, `id` a string, `tags` strings, `score` and
 * `createdAt` finite numbers. A string says what is wrong instead.
 */
export function checkMemoryRecord(raw: unknown): MemoryRecord | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'is not an object';
  const r = raw as Record<string, unknown>;
  if (typeof r.text !== 'string') return 'text must be a string';
  if (r.id !== undefined && typeof r.id !== 'string') return 'id must be a string';
  const tags = r.tags;
  if (tags !== undefined && !isStringList(tags)) return 'tags must be a list of strings';
  const finite = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));
  if (!finite(r.score)) return 'score must be a finite number';
  if (!finite(r.createdAt)) return 'createdAt must be a finite number';
  if (!finite(r.updatedAt)) return 'updatedAt must be a finite number';
  if (!finite(r.importance)) return 'importance must be a finite number';
  const scope = r.scope;
  if (scope !== undefined && scope !== 'session' && scope !== 'workspace' && scope !== 'user') {
    return 'scope must be session, workspace or user';
  }
  return {
    text: r.text,
    ...(typeof r.id === 'string' ? { id: r.id } : {}),
    ...(tags === undefined ? {} : { tags: [...tags] }),
    ...(typeof r.score === 'number' ? { score: r.score } : {}),
    ...(typeof r.createdAt === 'number' ? { createdAt: r.createdAt } : {}),
    ...(typeof r.updatedAt === 'number' ? { updatedAt: r.updatedAt } : {}),
    ...(scope === undefined ? {} : { scope }),
    ...(typeof r.importance === 'number' ? { importance: Math.min(1, Math.max(0, r.importance)) } : {}),
  };
}

/** A list of records, at most `limit`; invalid records are dropped and named. */
function memoryRecords(value: PlainJson, limit: number): Checked<MemoryRecord[]> {
  if (!Array.isArray(value)) return { ok: false, problem: 'no list of records' };
  const records: MemoryRecord[] = [];
  const dropped: string[] = [];
  value.forEach((raw, index) => {
    const record = checkMemoryRecord(raw);
    if (typeof record === 'string') dropped.push(`record ${index}: ${record}`);
    else records.push(record);
  });
  return ok(records.slice(0, limit), dropped);
}

/**
 * A context engine's messages, checked: non-empty, no longer than what it was given, known roles, string
 * content, and every tool result answering a call made before it. Undefined when anything is off. `before`:
 * messages already checked that come first (an incremental answer's kept ones); only `messages` are returned.
 */
export function validMessages(
  messages: unknown,
  original: readonly ChatMessage[],
  before: readonly ChatMessage[] = [],
): ChatMessage[] | undefined {
  if (
    !Array.isArray(messages) ||
    before.length + messages.length === 0 ||
    before.length + messages.length > original.length
  )
    return undefined;
  const calls = new Set<string>();
  for (const m of before) for (const c of m.toolCalls ?? []) calls.add(c.id);
  const out: ChatMessage[] = [];
  for (const raw of messages as unknown[]) {
    if (raw === null || typeof raw !== 'object') return undefined;
    const m = raw as Record<string, unknown>;
    if (typeof m.content !== 'string') return undefined;
    if (m.role === 'tool') {
      if (typeof m.toolCallId !== 'string' || !calls.has(m.toolCallId)) return undefined;
      out.push({ role: 'tool', content: m.content, toolCallId: m.toolCallId, isError: m.isError === true });
    } else if (m.role === 'assistant') {
      const toolCalls = Array.isArray(m.toolCalls) ? (m.toolCalls as ToolCall[]) : [];
      for (const c of toolCalls) {
        if (typeof c !== 'object' || typeof c.id !== 'string' || typeof c.name !== 'string') return undefined;
        calls.add(c.id);
      }
      out.push(
        toolCalls.length > 0
          ? { role: 'assistant', content: m.content, toolCalls }
          : { role: 'assistant', content: m.content },
      );
    } else if (m.role === 'user' || m.role === 'system') {
      out.push({ role: m.role, content: m.content });
    } else {
      return undefined;
    }
  }
  return out;
}

/** Reports come from a plugin: only known types with finite counts are kept. */
function contextReports(value: PlainJson | undefined): ContextReport[] {
  if (!Array.isArray(value)) return [];
  const count = (v: PlainJson | undefined): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined;
  const reports: ContextReport[] = [];
  for (const r of value.slice(0, MAX_CONTEXT_REPORTS)) {
    if (!isObject(r)) continue;
    const freed = count(r.freed_tokens);
    const collapsed = count(r.messages_collapsed);
    if (r.type === 'MicrocompactRan' && freed !== undefined) {
      reports.push({ type: 'MicrocompactRan', freed_tokens: freed });
    } else if (r.type === 'MidCompactLayer1Ran' && collapsed !== undefined) {
      reports.push({ type: 'MidCompactLayer1Ran', messages_collapsed: collapsed });
    } else if (r.type === 'MidCompactLayer2Ran' && count(r.messages_replaced) !== undefined) {
      reports.push({ type: 'MidCompactLayer2Ran', messages_replaced: count(r.messages_replaced) ?? 0 });
    } else if (r.type === 'AutoCompactSummarizerCalled') {
      const failure = typeof r.failure === 'string' ? r.failure.slice(0, 500) : '';
      reports.push({ type: 'AutoCompactSummarizerCalled', succeeded: r.succeeded === true, failure });
    } else if (r.type === 'AutoCompactCircuitBreakerTripped' && count(r.consecutive_failures) !== undefined) {
      reports.push({
        type: 'AutoCompactCircuitBreakerTripped',
        consecutive_failures: count(r.consecutive_failures) ?? 0,
      });
    } else if (r.type === 'CompactComplete') {
      reports.push({
        type: 'CompactComplete',
        llm_succeeded: r.llm_succeeded === true,
        messages_removed: count(r.messages_removed) ?? 0,
      });
    }
  }
  return reports;
}

/** A context engine's hint (see ContextHint): its bounds are counts, and nothing else is kept. */
function contextHint(value: PlainJson | undefined): { hint?: ContextHint; dropped: string[] } {
  if (value === undefined || value === null) return { dropped: [] };
  const count = (v: PlainJson | undefined): boolean =>
    v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
  if (
    !isObject(value) ||
    value.addedTokens === undefined ||
    !count(value.addedTokens) ||
    !count(value.addedMessages) ||
    !count(value.addedToolResults)
  ) {
    return {
      dropped: [
        'hint ignored: it must be { addedTokens, addedMessages?, addedToolResults? } with counts (integers ≥ 0)',
      ],
    };
  }
  const { addedTokens, addedMessages, addedToolResults } = value as {
    addedTokens: number;
    addedMessages?: number;
    addedToolResults?: number;
  };
  return {
    hint: {
      addedTokens,
      ...(addedMessages === undefined ? {} : { addedMessages }),
      ...(addedToolResults === undefined ? {} : { addedToolResults }),
    },
    dropped: [],
  };
}

/** Longest `state` a context engine may name its kept session by. */
const MAX_CONTEXT_STATE_CHARS = 128;

/**
 * The request the engine returned (its messages checked against the input's), its known reports and its
 * `state`. An answer to an incremental input (`since`) holds only the messages after its `keep` first ones: the
 * caller checks the messages once it has put the whole list together (slots/context.ts).
 */
function contextResult(
  value: PlainJson,
  input: PluginOpInput<'context.beforeRequest'>,
): Checked<ContextResult> {
  const answer = isObject(value) ? value : {};
  const request = answer.request;
  const raw = isObject(request) ? request.messages : undefined;
  const reports = contextReports(answer.reports);
  const state =
    typeof answer.state === 'string' && answer.state.length <= MAX_CONTEXT_STATE_CHARS
      ? { state: answer.state }
      : {};
  // Only beforeRequest may be skipped: a hint on a forced compaction's answer is not kept.
  const { hint, dropped } = input.force === true ? { dropped: [] } : contextHint(answer.hint);
  const hinted = hint === undefined ? {} : { hint };
  if (input.since !== undefined) {
    const keep = answer.keep;
    if (!Array.isArray(raw) || typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 0) {
      return {
        ok: false,
        problem:
          'an invalid incremental answer (request.messages must be a list and keep a count of messages)',
      };
    }
    // checked by the caller against the whole conversation, see above
    const part = raw as unknown as ChatMessage[];
    return ok({ request: { ...input.request, messages: part }, reports, keep, ...state, ...hinted }, dropped);
  }
  const messages = validMessages(raw, input.request.messages);
  if (messages === undefined) {
    return {
      ok: false,
      problem:
        'an invalid request (messages must be a non-empty list no longer than the input, with every tool result answering a call)',
    };
  }
  return ok({ request: { ...input.request, messages }, reports, ...state, ...hinted }, dropped);
}

/** How each kind's answer is checked. Tools' outputs were checked against their outputSchema in the sandbox. */
export const ANSWER_CHECKS: { readonly [K in PluginOpKind]: AnswerCheck<K> } = {
  tool: (value) => ok(value),
  'provider.chat': (value) => ok(value),
  'provider.models': checkLiveModels,
  'memory.recall': (value, input) => memoryRecords(value, input.limit),
  'memory.list': (value, input) => memoryRecords(value, input.limit),
  // What a write or forget returns carries no meaning.
  'memory.write': () => ok(null),
  'memory.forget': () => ok(null),
  'context.beforeRequest': contextResult,
  'context.compact': contextResult,
  'subagent.run': (value) => ok(resultText(value)),
};
