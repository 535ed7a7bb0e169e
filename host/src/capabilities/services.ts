import type { Logger } from 'pino';
import { dynamicErrorCode, isRokuError, RokuError } from '@roku/schemas';
import { denied, failed, quote, unavailable } from './policy.js';
import { sanitizePluginValue } from './sanitize.js';
import type { Policy } from './policy.js';
import type { CapabilityArgs } from './request.js';
import type { CapabilityServices, ServiceContext } from './types.js';

export type ServiceOp = 'llm.chat' | 'memory.recall' | 'memory.write' | 'tools.invoke' | 'subagent.run';

/** Does a `capabilities.tools` entry (exact, or a prefix ending in `*`) cover `name`? */
export function toolGranted(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

function grantProblem(policy: Policy, op: ServiceOp, args: CapabilityArgs[ServiceOp]): string | undefined {
  switch (op) {
    case 'llm.chat':
      return policy.llm ? undefined : 'capabilities.llm is not granted';
    case 'memory.recall':
      return policy.memory === 'none' ? 'capabilities.memory is none' : undefined;
    case 'memory.write':
      return policy.memory === 'read-write'
        ? undefined
        : `capabilities.memory is ${policy.memory}, not read-write`;
    case 'tools.invoke': {
      const name = (args as CapabilityArgs['tools.invoke']).name;
      return toolGranted(policy.tools, name)
        ? undefined
        : `tool ${quote(name)} is not named in capabilities.tools`;
    }
    case 'subagent.run':
      return policy.subagents ? undefined : 'capabilities.subagents is not granted';
  }
}

async function invoke(
  op: ServiceOp,
  args: CapabilityArgs[ServiceOp],
  services: CapabilityServices,
  ctx: ServiceContext,
): Promise<unknown> {
  const missing = (): never => {
    throw unavailable(`${ctx.pluginId}: ${op} is granted but this host has no service for it`);
  };
  switch (op) {
    case 'llm.chat': {
      const llm = services.llm ?? missing();
      return { response: await llm.chat((args as CapabilityArgs['llm.chat']).request, ctx) };
    }
    case 'memory.recall': {
      const memory = services.memory ?? missing();
      const { query, limit } = args as CapabilityArgs['memory.recall'];
      return { records: [...(await memory.recall(query, limit, ctx))].slice(0, limit) };
    }
    case 'memory.write': {
      const memory = services.memory ?? missing();
      await memory.write((args as CapabilityArgs['memory.write']).records, ctx);
      return null;
    }
    case 'tools.invoke': {
      const tools = services.tools ?? missing();
      const { name, input } = args as CapabilityArgs['tools.invoke'];
      return { output: await tools.invoke(name, input, ctx) };
    }
    case 'subagent.run': {
      const subagents = services.subagents ?? missing();
      const { task, runtime } = args as CapabilityArgs['subagent.run'];
      return { output: await subagents.run(task, runtime, ctx) };
    }
  }
}

/**
 * Checks a host-service request against `permissions.capabilities` and forwards it. Errors a service raises
 * with a Roku code reach the plugin as they are; anything else becomes ROKU_CAPABILITY_FAILED and is logged.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_UNAVAILABLE, ROKU_CAPABILITY_FAILED
 */
export async function callService(
  op: ServiceOp,
  args: CapabilityArgs[ServiceOp],
  policy: Policy,
  services: CapabilityServices,
  ctx: ServiceContext,
  logger: Logger,
): Promise<unknown> {
  const problem = grantProblem(policy, op, args);
  if (problem !== undefined) throw denied(`${ctx.pluginId}: ${op} denied: ${problem}`, { op });
  try {
    // What a plugin hands a host service reaches prompts and logs: escape control and format characters.
    return await invoke(op, sanitizePluginValue(args), services, ctx);
  } catch (err) {
    if (err instanceof RokuError) throw err;
    if (isRokuError(err)) throw new RokuError(dynamicErrorCode(err.code), err.message);
    logger.warn({ err, op, callId: ctx.callId }, 'host service failed for a plugin');
    throw failed(`${ctx.pluginId}: ${op} failed in the host service`, err);
  }
}
