import { RokuError } from '@roku/schemas';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import type { ServerRun } from '../runs/server-run.js';
import type { TokenInfo } from '../auth/tokens.js';
import { finalText, modelOf, rokuFields, splitConversation } from './convert.js';
import type { OpenAiMessage } from './convert.js';
import { followText, openSse, sendRunFailure, startFacadeRun } from './facade-run.js';

interface ResponseBody {
  model: string;
  input: string | OpenAiMessage[];
  instructions?: string;
  previous_response_id?: string;
  stream?: boolean;
}

const RESPONSE_PREFIX = 'resp_';

/** The session a previous response ran on. @throws ROKU_RUN_NOT_FOUND */
function sessionOfResponse(ctx: ServerContext, token: TokenInfo | undefined, responseId: string): string {
  const runId = responseId.startsWith(RESPONSE_PREFIX)
    ? responseId.slice(RESPONSE_PREFIX.length)
    : responseId;
  const run = ctx.manager.get(runId) ?? ctx.runtime.store.getRun(runId);
  if (run === undefined || !ctx.owners.may(token, run.sessionId)) {
    throw new RokuError('ROKU_RUN_NOT_FOUND', `body/previous_response_id: no response ${responseId}`, {
      details: {
        issues: [{ path: 'body/previous_response_id', message: 'is not a response of this server' }],
      },
    });
  }
  return run.sessionId;
}

function messageItem(run: ServerRun, text: string, status: string): Record<string, unknown> {
  return {
    type: 'message',
    id: `msg_${run.id}`,
    status,
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

function responseObject(
  run: ServerRun,
  body: ResponseBody,
  status: string,
  output: unknown[],
): Record<string, unknown> {
  const u = run.result?.usage;
  return {
    id: `${RESPONSE_PREFIX}${run.id}`,
    object: 'response',
    created_at: Math.floor(run.createdAt / 1000),
    status,
    model: run.result?.model ?? body.model,
    output,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    metadata: {},
    parallel_tool_calls: false,
    tool_choice: 'auto',
    tools: [],
    temperature: null,
    top_p: null,
    usage:
      u === undefined
        ? null
        : {
            input_tokens: u.promptTokens,
            input_tokens_details: { cached_tokens: u.cacheReadTokens },
            output_tokens: u.outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: u.promptTokens + u.outputTokens,
          },
    roku: rokuFields(run),
  };
}

/** POST /v1/responses: like chat completions; previous_response_id continues that response's session. */
export function responseRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: ResponseBody }>(
    '/v1/responses',
    { config: { scope: 'chat' }, schema: { tags: ['openai'], body: ctx.bodies.responseCreate } },
    async (request, reply) => {
      const body = request.body;
      const items: OpenAiMessage[] =
        typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
      const withInstructions =
        body.instructions === undefined ? items : [{ role: 'system', content: body.instructions }, ...items];
      const { seed, goal } = splitConversation(withInstructions, 'body/input');
      const previous = body.previous_response_id;
      const run = await startFacadeRun(ctx, request, {
        ...(previous === undefined ? {} : { sessionId: sessionOfResponse(ctx, request.token, previous) }),
        seed,
        goal,
        model: modelOf(body.model),
        api: 'responses',
      });
      if (body.stream !== true) {
        await run.settled;
        const text = finalText(ctx, run);
        if (text === undefined) return sendRunFailure(reply, run);
        return responseObject(run, body, 'completed', [messageItem(run, text, 'completed')]);
      }
      const out = openSse(request, reply, run);
      const write = out.write;
      let seq = 0;
      const send = (type: string, data: Record<string, unknown>): void => {
        write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
      };
      const itemId = `msg_${run.id}`;
      const where = { item_id: itemId, output_index: 0, content_index: 0 };
      send('response.created', { response: responseObject(run, body, 'in_progress', []) });
      send('response.in_progress', { response: responseObject(run, body, 'in_progress', []) });
      send('response.output_item.added', {
        output_index: 0,
        item: { ...messageItem(run, '', 'in_progress'), content: [] },
      });
      send('response.content_part.added', {
        ...where,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      let streamed = '';
      await followText(run, (text) => {
        streamed += text;
        send('response.output_text.delta', { ...where, delta: text, logprobs: [] });
      });
      const text = finalText(ctx, run);
      if (text === undefined) {
        const e = run.error ?? run.result?.error;
        const error = {
          code: e?.code ?? 'ROKU_RUN_FAILED',
          message: e?.message ?? run.result?.message ?? 'run failed',
        };
        send('response.failed', { response: { ...responseObject(run, body, 'failed', []), error } });
        out.end();
        return reply;
      }
      const extra =
        run.status === 'awaiting_approval'
          ? streamed === ''
            ? text
            : `\n\n${text}`
          : streamed === ''
            ? text
            : '';
      if (extra !== '') send('response.output_text.delta', { ...where, delta: extra, logprobs: [] });
      const full = streamed + extra;
      send('response.output_text.done', { ...where, text: full, logprobs: [] });
      send('response.content_part.done', {
        ...where,
        part: { type: 'output_text', text: full, annotations: [] },
      });
      const item = messageItem(run, full, 'completed');
      send('response.output_item.done', { output_index: 0, item });
      send('response.completed', { response: responseObject(run, body, 'completed', [item]) });
      out.end();
      return reply;
    },
  );
}
