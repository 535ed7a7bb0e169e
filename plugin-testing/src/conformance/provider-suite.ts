import type { ChatRequest, ChatResponse } from '@roku/schemas';
import type { TestPlugin } from '../test-host.js';
import { ConformanceFailure, ensure, errorCodes, preview } from './check.js';
import type { Check } from './check.js';
import type { SuiteEnv } from './env.js';
import { startUpstream } from './upstream.js';
import type { Upstream, UpstreamWire } from './upstream.js';

/** What an author may tell the provider suite (`roku.conformance.json` → `provider`). */
export interface ProviderProfile {
  /** The upstream's wire format, or `none` for a provider that reaches no network (default: openai-chat). */
  readonly wire?: UpstreamWire | 'none';
  /** Settings to call it with; `{{origin}}` in a string becomes the loopback upstream's origin. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Environment (granted env names and secrets); default: every declared secret set to a dummy. */
  readonly env?: Readonly<Record<string, string>>;
  /** Model id to ask for (default: the manifest's first). */
  readonly model?: string;
  /** Provider name, when the plugin contributes several (default: the first). */
  readonly provider?: string;
}

interface ProviderContext {
  readonly env: SuiteEnv;
  readonly plugin: TestPlugin;
  readonly op: string;
  readonly model: string;
  readonly settings: unknown;
  readonly upstream: Upstream | undefined;
}

const USAGE = { input: 42, output: 7 };
const TEXT = ['Hel', 'lo, w', 'orld ✓'];

function request(model: string, text = 'conformance question'): ChatRequest {
  return { model, messages: [{ role: 'user', content: text }], maxTokens: 64, sessionId: 'conformance' };
}

function substitute(value: unknown, origin: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{{origin}}', origin);
  if (Array.isArray(value)) return value.map((v) => substitute(v, origin));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, origin)]));
  return value;
}

/** Why an emitted event is not a ChatStreamEvent, or undefined when it is one. */
function eventProblem(event: unknown): string | undefined {
  const e = event as { type?: unknown; text?: unknown; index?: unknown; usage?: unknown } | null;
  switch (e?.type) {
    case 'text-delta':
      return typeof e.text === 'string' ? undefined : 'text-delta without a string text';
    case 'tool-call-delta':
      return Number.isInteger(e.index) ? undefined : 'tool-call-delta without an integer index';
    case 'usage':
      return usageProblem(e.usage);
    default:
      return `unknown event type ${preview(e?.type)}`;
  }
}

function usageProblem(usage: unknown): string | undefined {
  const u = usage as { inputTokens?: unknown; outputTokens?: unknown } | null | undefined;
  const count = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
  return count(u?.inputTokens) && count(u?.outputTokens)
    ? undefined
    : `usage ${preview(usage)} is not { inputTokens, outputTokens } of non-negative integers`;
}

async function chat(
  ctx: ProviderContext,
  req: ChatRequest,
): Promise<{ response: ChatResponse; events: unknown[] }> {
  const start = ctx.plugin.events.length;
  const value = await ctx.plugin.call(ctx.op, req, ctx.settings);
  const shape = value as { message?: { role?: unknown } } | null;
  ensure(
    typeof shape === 'object' && shape !== null && shape.message?.role === 'assistant',
    `${ctx.op} returned ${preview(value)}, not a ChatResponse with an assistant message`,
    'return { message: { role: "assistant", content, toolCalls? }, finishReason, usage? }',
  );
  return { response: value as unknown as ChatResponse, events: ctx.plugin.events.slice(start) };
}

function errorCheck(
  status: number,
  expected: readonly string[],
  headers?: Record<string, string>,
): Check<ProviderContext> {
  const name = `maps HTTP ${status}${headers === undefined ? '' : ' with retry-after'} to ${expected.join(' or ')}`;
  return {
    name,
    async run(ctx) {
      const upstream = ctx.upstream;
      if (upstream === undefined) return { skip: 'the provider reaches no upstream (wire: none)' };
      // Several copies: a provider that retries on its own still ends on this status.
      upstream.clear();
      upstream.enqueue(
        ...Array.from({ length: 6 }, () => ({
          kind: 'error' as const,
          status,
          ...(headers === undefined ? {} : { headers }),
        })),
      );
      try {
        const { response } = await chat(ctx, request(ctx.model));
        throw new ConformanceFailure(
          `the upstream answered ${status}, yet ${ctx.op} resolved with ${preview(response)}`,
          `throw a provider error for HTTP ${status} (code ${expected[0] ?? ''}) instead of answering`,
        );
      } catch (err) {
        if (err instanceof ConformanceFailure) throw err;
        const { code, pluginCode, message } = errorCodes(err);
        ensure(
          code === 'ROKU_PLUGIN_FAILED' && pluginCode !== undefined && expected.includes(pluginCode),
          `the upstream answered ${status}; ${ctx.op} failed with ${code}${pluginCode === undefined ? '' : ` (${pluginCode})`}: ${message}`,
          `throw { code: "${expected[0] ?? ''}" } for HTTP ${status} (providerErrorFromCapability / the SDK's provider helpers map statuses for you)`,
        );
        if (headers?.['retry-after'] !== undefined) {
          const retryAfterMs = (err as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs;
          const wanted = Number(headers['retry-after']) * 1000;
          ensure(
            retryAfterMs === wanted,
            `HTTP ${status} came with retry-after: ${headers['retry-after']}; the error carried retryAfterMs ${preview(retryAfterMs)}, not ${wanted}`,
            'put the Retry-After delay on the thrown error as retryAfterMs (retryAfterMs() of @roku/plugin-api parses the header)',
          );
        }
      } finally {
        upstream.clear();
      }
      return undefined;
    },
  };
}

const CHECKS: readonly Check<ProviderContext>[] = [
  {
    name: 'streams well-formed events that add up to the answer',
    async run(ctx) {
      const { response, events } = await chat(ctx, request(ctx.model));
      for (const [i, event] of events.entries()) {
        const problem = eventProblem(event);
        ensure(
          problem === undefined,
          `event [${i}] emitted during ${ctx.op} is malformed: ${problem ?? ''} (${preview(event)})`,
          'emit only ChatStreamEvent values: { type: "text-delta", text } | { type: "tool-call-delta", index, id?, name?, argumentsDelta? } | { type: "usage", usage }',
        );
      }
      const deltas = events.filter((e) => (e as { type?: unknown }).type === 'text-delta');
      ensure(
        deltas.length > 0,
        `${ctx.op} answered ${preview(response.message.content)} but emitted no text-delta event`,
        'stream text as it arrives: ctx.emit({ type: "text-delta", text }) per upstream delta (EventPipe of @roku/plugin-api batches them)',
      );
      const streamed = deltas.map((e) => (e as { text: string }).text).join('');
      ensure(
        streamed === response.message.content,
        `the text-deltas add up to ${preview(streamed)}, the final message says ${preview(response.message.content)}`,
        'emit every piece of text exactly once, in order, and return the same text as message.content',
      );
      if (ctx.upstream !== undefined) {
        ensure(
          response.message.content === TEXT.join(''),
          `the upstream streamed ${preview(TEXT.join(''))}; ${ctx.op} answered ${preview(response.message.content)}`,
          'join the upstream deltas without dropping, repeating or re-encoding any (frames arrive cut mid-line and mid-character)',
        );
        ensure(
          response.finishReason === 'stop',
          `an answer that ended normally came back with finishReason ${preview(response.finishReason)}`,
          'map the upstream stop reason to "stop"',
        );
      }
      return undefined;
    },
  },
  {
    name: 'assembles streamed tool calls',
    async run(ctx) {
      const upstream = ctx.upstream;
      if (upstream === undefined) return { skip: 'the provider reaches no upstream (wire: none)' };
      upstream.enqueue({
        kind: 'turn',
        turn: {
          toolCall: { id: 'call_conf', name: 'read_file', args: ['{"pa', 'th": "a.t', 'xt"}'] },
          usage: USAGE,
        },
      });
      const { response } = await chat(ctx, {
        ...request(ctx.model, 'read a.txt'),
        tools: [
          {
            name: 'read_file',
            description: 'Reads a file.',
            inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
          },
        ],
      });
      const call = response.message.toolCalls?.[0];
      ensure(
        call?.id === 'call_conf' &&
          call.name === 'read_file' &&
          JSON.stringify(call.arguments) === '{"path":"a.txt"}',
        `the upstream streamed a call read_file({"path":"a.txt"}) in pieces; ${ctx.op} returned toolCalls ${preview(response.message.toolCalls)}`,
        'collect tool-call argument pieces per index and parse them once the call is complete: { id, name, arguments: object }',
      );
      ensure(
        response.finishReason === 'tool_calls',
        `an answer with a tool call came back with finishReason ${preview(response.finishReason)}`,
        'map the upstream tool-use stop reason to "tool_calls"',
      );
      return undefined;
    },
  },
  {
    name: 'reports usage',
    async run(ctx) {
      const { response } = await chat(ctx, request(ctx.model));
      if (ctx.upstream === undefined && response.usage === undefined)
        return { skip: 'no usage reported (wire: none)' };
      const problem = usageProblem(response.usage);
      ensure(
        problem === undefined,
        `${ctx.op} returned ${problem ?? ''}`,
        'return usage: { inputTokens, outputTokens } from what the upstream reports',
      );
      if (ctx.upstream !== undefined) {
        ensure(
          response.usage?.inputTokens === USAGE.input && response.usage.outputTokens === USAGE.output,
          `the upstream reported ${USAGE.input} input and ${USAGE.output} output tokens; ${ctx.op} reported ${preview(response.usage)}`,
          "report the upstream's own token counts (prompt/input and completion/output), not estimates",
        );
      }
      return undefined;
    },
  },
  errorCheck(429, ['PROVIDER_RATE_LIMIT'], { 'retry-after': '2' }),
  errorCheck(401, ['PROVIDER_AUTH_FAILED']),
  errorCheck(500, ['PROVIDER_SERVER_ERROR']),
  errorCheck(503, ['PROVIDER_OVERLOADED', 'PROVIDER_SERVER_ERROR']),
];

/**
 * The provider suite, against a loopback upstream that speaks the provider's wire format (frames cut at
 * arbitrary bytes): the provider streams well-formed events that add up to its answer, assembles streamed
 * tool calls, reports the upstream's usage, and maps 429 (with retry-after), 401, 500 and 503 to provider
 * error codes. With `wire: "none"` only the stream's shape is checked.
 */
export async function providerChecks(env: SuiteEnv, profile: ProviderProfile = {}) {
  const providers = env.manifest.contributes.providers ?? [];
  const provider = providers.find((p) => p.name === profile.provider) ?? providers[0];
  if (provider === undefined) throw new Error(`${env.dir}: the manifest contributes no provider`);
  const wire =
    profile.wire ?? ((env.manifest.permissions?.network ?? []).length === 0 ? 'none' : 'openai-chat');
  const upstream =
    wire === 'none'
      ? undefined
      : await startUpstream(wire, { kind: 'turn', turn: { text: TEXT, usage: USAGE } });
  const origin = upstream?.origin ?? 'http://127.0.0.1:9';
  const hasBaseUrl = Object.keys(
    (env.manifest.configSchema as { properties?: object } | undefined)?.properties ?? {},
  );
  const defaultSettings = hasBaseUrl.includes('baseURL')
    ? { baseURL: `{{origin}}${wire === 'anthropic' ? '' : '/v1'}` }
    : {};
  const settings = substitute(
    { ...(env.settings as object | undefined), ...(profile.settings ?? defaultSettings) },
    origin,
  );
  const secrets = Object.fromEntries(
    (env.manifest.permissions?.secrets ?? []).map((s) => [s, 'conformance-secret']),
  );
  let plugin: TestPlugin;
  try {
    plugin = await env.open({
      env: profile.env ?? secrets,
      ...(upstream === undefined ? {} : { grants: { network: [upstream.origin] } }),
    });
  } catch (err) {
    await upstream?.close();
    throw err;
  }
  const model = profile.model ?? provider.models[0].id;
  const context: ProviderContext = {
    env,
    plugin,
    op: `provider:${provider.name}:chat`,
    model,
    settings,
    upstream,
  };
  return { checks: CHECKS, context, close: () => upstream?.close() ?? Promise.resolve() };
}
