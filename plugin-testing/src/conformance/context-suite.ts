import type { ChatMessage, ContextInput, ContextResult } from '@roku/schemas';
import type { TestPlugin } from '../test-host.js';
import { ConformanceFailure, ensure, errorCodes, preview } from './check.js';
import type { Check } from './check.js';
import type { SuiteEnv } from './env.js';
import { stubServices } from './services.js';

interface ContextContext {
  readonly env: SuiteEnv;
  readonly plugin: TestPlugin;
  /** Every scenario's answer, computed once and shared by the checks. */
  readonly answers: () => Promise<{ scenario: Scenario; result: ContextResult }[]>;
}

/** Estimated tokens the way a cautious host counts them: UTF-8 bytes ÷ 4 of content and tool-call JSON. */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const m of messages) {
    bytes += Buffer.byteLength(m.content, 'utf8');
    for (const call of m.toolCalls ?? []) bytes += Buffer.byteLength(JSON.stringify(call), 'utf8');
  }
  return Math.ceil(bytes / 4);
}

const SYSTEM: ChatMessage = {
  role: 'system',
  content: 'You are a careful coding agent. Conformance system prompt.',
};
const prose = (label: string, chars: number): string =>
  `${label} ${'the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(chars / 44))}`.slice(0, chars);

/** A long conversation: turns of a question, a tool call, its (large) result and an answer; the last turn is open. */
function conversation(turns: number, resultChars: number): ChatMessage[] {
  const messages: ChatMessage[] = [SYSTEM];
  for (let n = 0; n < turns; n += 1) {
    const id = `call_${n}`;
    messages.push(
      { role: 'user', content: prose(`question ${n}`, 240) },
      {
        role: 'assistant',
        content: `Reading file ${n}.`,
        toolCalls: [{ id, name: 'read_file', arguments: { path: `src/f${n}.ts` } }],
      },
      { role: 'tool', content: prose(`contents of f${n}`, resultChars + (n % 5) * 97), toolCallId: id },
      { role: 'assistant', content: prose(`answer ${n}`, 200 + (n % 3) * 50) },
    );
  }
  // The newest turn: a question whose tool call has just returned.
  messages.push(
    { role: 'user', content: 'newest question: what does f99 export?' },
    {
      role: 'assistant',
      content: 'Reading f99.',
      toolCalls: [{ id: 'call_new', name: 'read_file', arguments: { path: 'f99.ts' } }],
    },
    { role: 'tool', content: prose('contents of f99', 1500), toolCallId: 'call_new' },
  );
  return messages;
}

interface Scenario {
  readonly label: string;
  readonly op: 'beforeRequest' | 'compact';
  readonly input: ContextInput;
}

function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const [turns, resultChars, window] of [
    // light: an engine may answer it unchanged, and say so for the next requests (ContextHint)
    [2, 400, 200_000],
    [12, 1200, 32_000],
    [40, 2400, 16_000],
    [60, 3000, 8_000],
  ] as const) {
    const messages = conversation(turns, resultChars);
    const input: ContextInput = {
      request: { model: 'conformance-model', messages, sessionId: `conformance-${turns}`, maxTokens: 512 },
      contextWindow: window,
      compactThresholdRatio: 0.75,
      sessionId: `conformance-${turns}`,
    };
    const tokens = estimateTokens(messages);
    const label = `${messages.length} messages (~${tokens} tokens) in a ${window}-token window`;
    out.push({ label, op: 'beforeRequest', input });
    out.push({ label: `${label}, forced`, op: 'compact', input: { ...input, force: true } });
  }
  return out;
}

/** Runs every scenario; `compact` is optional (skipped when the engine has none). */
async function results(
  ctx: Pick<ContextContext, 'env' | 'plugin'>,
): Promise<{ scenario: Scenario; result: ContextResult }[]> {
  const out: { scenario: Scenario; result: ContextResult }[] = [];
  for (const scenario of scenarios()) {
    let value: unknown;
    try {
      value = await ctx.plugin.call(`context:${scenario.op}`, scenario.input, ctx.env.settings);
    } catch (err) {
      const { code, pluginCode, message } = errorCodes(err);
      if (scenario.op === 'compact' && pluginCode === 'ROKU_PLUGIN_NO_SUCH_OP') continue;
      throw new ConformanceFailure(
        `context:${scenario.op} on ${scenario.label} failed: ${code}${pluginCode === undefined ? '' : ` (${pluginCode})`}: ${message}`,
        'answer every request with a ContextResult; compact harder instead of failing when the window is tight',
      );
    }
    const messages = (value as { request?: { messages?: unknown } } | null)?.request?.messages;
    ensure(
      Array.isArray(messages),
      `context:${scenario.op} on ${scenario.label} returned ${preview(value)}, not { request: { messages: [...] } }`,
      'return a ContextResult: { request, reports?, state? } with the (compacted) request',
    );
    out.push({ scenario, result: value as ContextResult });
  }
  return out;
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The host's estimate of a message, from above: UTF-8 bytes ÷ 2 of its content, plus 4 (the host's overhead). */
const hostTokensAtMost = (m: ChatMessage): number => Math.ceil(Buffer.byteLength(m.content, 'utf8') / 2) + 4;

/** What a hinted answer's next request adds: the model's answer and a short question, no tool result. */
const FOLLOW_UP: readonly ChatMessage[] = [
  { role: 'assistant', content: 'f99 exports one function.' },
  { role: 'user', content: 'and what does it return?' },
];

const sameMessages = (a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean =>
  a.length === b.length &&
  a.every((m, i) => {
    const o = b[i];
    return o !== undefined && o.role === m.role && o.content === m.content && o.toolCallId === m.toolCallId;
  });

const CHECKS: readonly Check<ContextContext>[] = [
  {
    name: 'keeps the promise of its hint',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const { hint } = result as { hint?: unknown };
        if (hint === undefined || scenario.op !== 'beforeRequest') continue;
        const h = hint as { addedTokens?: unknown; addedMessages?: unknown; addedToolResults?: unknown };
        ensure(
          typeof hint === 'object' &&
            hint !== null &&
            isCount(h.addedTokens) &&
            (h.addedMessages === undefined || isCount(h.addedMessages)) &&
            (h.addedToolResults === undefined || isCount(h.addedToolResults)),
          `context:beforeRequest on ${scenario.label} returned the hint ${preview(hint)}`,
          'a hint is { addedTokens, addedMessages?, addedToolResults? } with integers ≥ 0 (the host ignores any other)',
        );
        const tokens = FOLLOW_UP.reduce((n, m) => n + hostTokensAtMost(m), 0);
        const admits =
          (h.addedTokens as number) >= tokens &&
          (h.addedMessages === undefined || (h.addedMessages as number) >= FOLLOW_UP.length);
        if (!admits) continue;
        const { input } = scenario;
        const next: ContextInput = {
          ...input,
          request: { ...input.request, messages: [...input.request.messages, ...FOLLOW_UP] },
        };
        const answer: unknown = await ctx.plugin.call('context:beforeRequest', next, ctx.env.settings);
        const { request, reports } = (answer ?? {}) as Partial<ContextResult>;
        const expected = [...result.request.messages, ...FOLLOW_UP];
        ensure(
          Array.isArray(request?.messages) &&
            sameMessages(request.messages, expected) &&
            JSON.stringify(reports ?? []) === JSON.stringify(result.reports ?? []),
          `context:beforeRequest on ${scenario.label} hinted ${preview(hint)}, but a request adding ${FOLLOW_UP.length} short messages (≤ ${tokens} tokens, no tool result) came back otherwise than its answer followed by them, with its reports`,
          'send a hint only for what you would answer unchanged: the same answer plus the added messages while the bounds hold (see ContextHint)',
        );
      }
    },
  },
  {
    name: 'never orphans a tool result (or a tool call)',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const called = new Set<string>();
        const answered = new Set<string>();
        for (const [i, m] of result.request.messages.entries()) {
          for (const call of m.toolCalls ?? []) called.add(call.id);
          if (m.role !== 'tool') continue;
          ensure(
            called.has(m.toolCallId ?? ''),
            `context:${scenario.op} on ${scenario.label}: message [${i}] is a tool result for ${preview(m.toolCallId)} whose assistant tool call was dropped`,
            'cut history only between whole turns: when you drop an assistant message with tool calls, drop its tool results too (providers reject orphaned results)',
          );
          answered.add(m.toolCallId ?? '');
        }
        const unanswered = [...called].filter((id) => !answered.has(id));
        ensure(
          unanswered.length === 0,
          `context:${scenario.op} on ${scenario.label}: tool call(s) ${preview(unanswered)} kept without their results`,
          "keep or drop an assistant tool call together with its tool results (clear a result's content instead of removing the message)",
        );
      }
    },
  },
  {
    name: 'stays under the context window',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const tokens = estimateTokens(result.request.messages);
        ensure(
          tokens <= scenario.input.contextWindow,
          `context:${scenario.op} on ${scenario.label} returned ~${tokens} tokens (UTF-8 bytes ÷ 4), more than the window`,
          'compact until the request fits contextWindow (minus overheadTokens and the reply budget): clear old tool results, then summarise or drop old turns',
        );
      }
    },
  },
  {
    name: 'keeps the system prompt',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const first = result.request.messages[0];
        ensure(
          first?.role === 'system' && first.content === SYSTEM.content,
          `context:${scenario.op} on ${scenario.label}: the first message is ${preview(first)}, not the system prompt unchanged`,
          'keep the leading system message(s) first and unchanged; compact only what follows them',
        );
      }
    },
  },
  {
    name: 'keeps the newest turn intact',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const before = scenario.input.request.messages;
        const tail = before.slice(before.findLastIndex((m) => m.role === 'user'));
        const after = result.request.messages.slice(-tail.length);
        const same = tail.every((m, i) => {
          const a = after[i];
          return (
            a !== undefined && a.role === m.role && a.content === m.content && a.toolCallId === m.toolCallId
          );
        });
        ensure(
          same,
          `context:${scenario.op} on ${scenario.label}: the newest turn (from the last user message on, ${tail.length} messages) was changed or cut`,
          'never compact the newest turn: the last user message and everything after it must reach the model as they are',
        );
      }
    },
  },
  {
    name: 'keeps the request besides its messages',
    async run(ctx) {
      for (const { scenario, result } of await ctx.answers()) {
        const { model, sessionId, maxTokens } = result.request;
        ensure(
          model === scenario.input.request.model &&
            sessionId === scenario.input.request.sessionId &&
            maxTokens === scenario.input.request.maxTokens,
          `context:${scenario.op} on ${scenario.label}: model, sessionId or maxTokens changed (${preview({ model, sessionId, maxTokens })})`,
          'return the request with only its messages changed ({ ...input.request, messages })',
        );
      }
    },
  },
];

/**
 * The context-engine suite: over conversations of growing pressure, `beforeRequest` and `compact` (forced)
 * never orphan a tool result or call, stay under the window, keep the system prompt first and unchanged, keep
 * the newest turn intact and leave the rest of the request alone; a hint it sends is well formed and kept. The
 * engine gets stub LLM and memory
 * services (when granted) that answer at once.
 */
export async function contextChecks(env: SuiteEnv) {
  const plugin = await env.open({ services: stubServices().services });
  let answers: Promise<{ scenario: Scenario; result: ContextResult }[]> | undefined;
  const context: ContextContext = { env, plugin, answers: () => (answers ??= results({ env, plugin })) };
  return { checks: CHECKS, context };
}
