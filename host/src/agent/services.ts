import type { Logger } from 'pino';
import { RokuError, pluginOp } from '@roku/schemas';
import type { ChatMessage, ChatRequest } from '@roku/schemas';
import type { CapabilityServices, ServiceContext } from '../capabilities/types.js';
import { checkMemoryRecord } from '../plugins/answers.js';
import { callPlugin } from '../plugins/call-plugin.js';
import type { AgentSnapshot } from './assembled.js';
import { recallMemory, writeMemory } from './slots/memory.js';

function runSession(ctx: ServiceContext): string {
  const context = ctx.context as { sessionId?: unknown } | undefined;
  // Outside a run (a plugin's load, a health check) memory is the plugin's own scratch session.
  return typeof context?.sessionId === 'string' ? context.sessionId : `plugin:${ctx.pluginId}`;
}

function checkRequest(raw: unknown, pluginId: string): ChatRequest {
  const r = raw as Partial<ChatRequest> | null;
  if (r === null || typeof r !== 'object' || !Array.isArray(r.messages) || r.messages.length === 0) {
    throw new RokuError('ROKU_CAPABILITY_BAD_REQUEST', `${pluginId}: llm.chat needs {messages: [...]}`);
  }
  for (const m of r.messages as unknown[]) {
    const msg = m as Partial<ChatMessage> | null;
    if (
      msg === null ||
      typeof msg !== 'object' ||
      typeof msg.content !== 'string' ||
      typeof msg.role !== 'string'
    ) {
      throw new RokuError(
        'ROKU_CAPABILITY_BAD_REQUEST',
        `${pluginId}: llm.chat messages need a role and string content`,
      );
    }
  }
  return {
    model: typeof r.model === 'string' ? r.model : '',
    messages: r.messages,
    ...(Array.isArray(r.tools) ? { tools: r.tools } : {}),
    ...(typeof r.maxTokens === 'number' ? { maxTokens: r.maxTokens } : {}),
  };
}

/**
 * Host services for plugins granted `capabilities.llm`, `memory` or `tools` (the grant itself is checked by the
 * capability broker). They act on the snapshot current at the time of the request; memory goes through the
 * same slot calls as the loop (checked records, fallback to the default).
 */
export function createAgentServices(
  current: () => AgentSnapshot | undefined,
  logger: Logger,
): CapabilityServices {
  const snapshot = (): AgentSnapshot => {
    const s = current();
    if (s === undefined) throw new RokuError('ROKU_CAPABILITY_UNAVAILABLE', 'the agent is still starting');
    return s;
  };
  return {
    llm: {
      async chat(raw, ctx) {
        const s = snapshot();
        const request = checkRequest(raw, ctx.pluginId);
        const model = s.router.select({
          ...(request.model === '' ? {} : { model: request.model }),
          estimatedPromptTokens: s.router.estimateRequestTokens(request),
          expectedOutputTokens: request.maxTokens ?? 1024,
        });
        const result = await s.router.chat(
          { ...request, model: model.ref },
          ctx.signal === undefined ? {} : { signal: ctx.signal },
        );
        return result.response;
      },
    },
    memory: {
      async recall(query, limit, ctx) {
        return recallMemory(
          snapshot().memory,
          { sessionId: runSession(ctx), query, limit: Math.min(64, Math.max(1, limit)) },
          { logger },
        );
      },
      async write(records, ctx) {
        const checked = records.slice(0, 256).map((raw, index) => {
          const record = checkMemoryRecord(raw);
          if (typeof record === 'string') {
            throw new RokuError(
              'ROKU_CAPABILITY_BAD_REQUEST',
              `${ctx.pluginId}: memory.write records[${index}]: ${record}`,
            );
          }
          return record;
        });
        await writeMemory(snapshot().memory, { sessionId: runSession(ctx), records: checked }, { logger });
      },
    },
    tools: {
      async invoke(name, input, ctx) {
        const entry = snapshot().catalog.get(name);
        if (entry === undefined)
          throw new RokuError('ROKU_CAPABILITY_BAD_REQUEST', `${ctx.pluginId}: no tool ${name}`);
        // Nobody can be asked on a plugin's behalf: only read-only tools run through this door.
        if (!(entry.risk.length > 0 && entry.risk.every((r) => r === 'read'))) {
          throw new RokuError(
            'ROKU_CAPABILITY_DENIED',
            `${ctx.pluginId}: tool ${name} needs approval (risk: ${entry.risk.join(', ') || 'unknown'}); plugins may only invoke read-only tools`,
          );
        }
        return callPlugin(entry.plugin.sandbox, pluginOp('tool', entry.toolName), input, {
          config: entry.plugin.settings,
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
          ...(ctx.context === undefined ? {} : { context: ctx.context }),
        });
      },
    },
  };
}
