import type { SnapshotInfo } from '@roku/host';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, withRuntime } from './context.js';
import { table } from './render.js';

function perMillion(per1k: number | null | undefined): string {
  return per1k === null || per1k === undefined ? '-' : `$${(per1k * 1000).toFixed(2)}`;
}

/**
 * `roku models`: every model of the loaded providers (the runtime's snapshot) with its context window, output
 * limit, capabilities and prices per million tokens; the refs are what `--model` and `/model` take.
 */
export async function modelsCommand(
  io: AgentIo,
  configFile: string | undefined,
  json: boolean,
): Promise<number> {
  return withRuntime(io, configFile, 'models', ({ runtime }) => {
    const info: SnapshotInfo = runtime.snapshotInfo();
    if (json) {
      io.stdout(`${JSON.stringify({ ok: true, models: info.models })}\n`);
      return AGENT_EXIT.ok;
    }
    if (info.models.length === 0) {
      io.stdout(
        'no models: install a provider plugin, e.g. roku plugin install @roku/plugin-provider-openai --yes\n',
      );
      return AGENT_EXIT.ok;
    }
    io.stdout(
      table([
        ['MODEL', 'CONTEXT', 'MAX OUTPUT', 'IN $/1M', 'OUT $/1M', 'CAPABILITIES'],
        ...info.models.map((m) => [
          m.ref,
          String(m.contextWindow),
          m.maxOutputTokens === null || m.maxOutputTokens === undefined ? '-' : String(m.maxOutputTokens),
          perMillion(m.costPer1kInputUsd),
          perMillion(m.costPer1kOutputUsd),
          (m.capabilities ?? []).join(','),
        ]),
      ]),
    );
    return AGENT_EXIT.ok;
  });
}
