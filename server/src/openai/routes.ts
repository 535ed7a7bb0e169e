import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { chatCompletionRoutes } from './chat.js';
import { responseRoutes } from './responses.js';

/** The OpenAI-compatible facade: models, chat completions and responses over the assembled agent. */
export function openAiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/v1/models', { config: { scope: 'chat' }, schema: { tags: ['openai'] } }, () => {
    const models = ctx.runtime.snapshotInfo().models.map((m) => ({
      id: m.ref,
      object: 'model',
      created: 0,
      owned_by: m.ref.split('/')[0] ?? 'roku',
      context_window: m.contextWindow,
    }));
    return {
      object: 'list',
      data: [{ id: 'roku', object: 'model', created: 0, owned_by: 'roku' }, ...models],
    };
  });
  chatCompletionRoutes(app, ctx);
  responseRoutes(app, ctx);
}
