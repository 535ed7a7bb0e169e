import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import type { ServerRun } from '../runs/server-run.js';
import { finalText, modelOf, rokuFields, splitConversation } from './convert.js';
import type { OpenAiMessage } from './convert.js';
import { followText, openSse, sendRunFailure, startFacadeRun } from './facade-run.js';

interface ChatBody {
  model: string;
  messages: OpenAiMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function usageOf(run: ServerRun): Record<string, number> {
  const u = run.result?.usage;
  const prompt = u?.promptTokens ?? 0;
  const output = u?.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output };
}

/** POST /v1/chat/completions: the agent answers the last user message; its tools run server-side. */
export function chatCompletionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: ChatBody }>(
    '/v1/chat/completions',
    { config: { scope: 'chat' }, schema: { tags: ['openai'], body: ctx.bodies.chatCompletion } },
    async (request, reply) => {
      const body = request.body;
      const { seed, goal } = splitConversation(body.messages, 'body/messages');
      const header = request.headers['x-roku-session-id'];
      const run = await startFacadeRun(ctx, request, {
        ...(typeof header === 'string' && header !== '' ? { sessionId: header } : {}),
        seed,
        goal,
        model: modelOf(body.model),
        api: 'chat.completions',
      });
      const id = `chatcmpl-${run.id}`;
      const created = Math.floor(run.createdAt / 1000);
      if (body.stream !== true) {
        await run.settled;
        const text = finalText(ctx, run);
        if (text === undefined) return sendRunFailure(reply, run);
        return {
          id,
          object: 'chat.completion',
          created,
          model: run.result?.model ?? body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text, refusal: null },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          usage: usageOf(run),
          roku: rokuFields(run),
        };
      }
      const out = openSse(request, reply, run);
      const write = out.write;
      const chunk = (
        delta: Record<string, unknown>,
        finish: string | null,
        extra: Record<string, unknown> = {},
      ): void => {
        write(
          `data: ${JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: body.model,
            choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
            ...extra,
          })}\n\n`,
        );
      };
      chunk({ role: 'assistant', content: '' }, null);
      let streamed = 0;
      await followText(run, (text) => {
        streamed += text.length;
        chunk({ content: text }, null);
      });
      const text = finalText(ctx, run);
      if (text === undefined) {
        const e = run.error ?? run.result?.error;
        write(
          `data: ${JSON.stringify({ error: { code: e?.code ?? 'ROKU_RUN_FAILED', message: e?.message ?? run.result?.message ?? 'run failed' } })}\n\n`,
        );
      } else if (run.status === 'awaiting_approval' || streamed === 0) {
        chunk({ content: streamed === 0 ? text : `\n\n${text}` }, null);
      }
      chunk({}, 'stop', { roku: rokuFields(run) });
      if (body.stream_options?.include_usage === true) {
        write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: usageOf(run) })}\n\n`,
        );
      }
      write('data: [DONE]\n\n');
      out.end();
      return reply;
    },
  );
}
