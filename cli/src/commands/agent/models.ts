import { clearLiveModelCache, escapeControls } from '@roku/host';
import type { SnapshotInfo } from '@roku/host';
import { cliConfig } from '../../config.js';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, withRuntime } from './context.js';
import { table } from './render.js';

function perMillion(per1k: number | null | undefined): string {
  return per1k === null || per1k === undefined ? '-' : `$${(per1k * 1000).toFixed(2)}`;
}

/** The warnings of the snapshot about live model lists (a provider's list could not be had or was cut). */
function liveWarnings(info: SnapshotInfo): string[] {
  return info.warnings.filter((w) => w.includes('live model list') || w.includes('listed invalid models'));
}

/**
 * `roku models`: every model of the loaded providers (the runtime's snapshot) with its context window, output
 * limit, capabilities, prices per million tokens and source (the manifest, or the provider's live list); the
 * refs are what `--model` and `/model` take. `refresh` drops the cached live lists first, so they are asked
 * for again.
 */
export async function modelsCommand(
  io: AgentIo,
  configFile: string | undefined,
  json: boolean,
  options: { readonly refresh?: boolean } = {},
): Promise<number> {
  if (options.refresh === true) clearLiveModelCache(cliConfig(io, configFile).home);
  return withRuntime(io, configFile, 'models', ({ runtime }) => {
    const info: SnapshotInfo = runtime.snapshotInfo();
    const warnings = liveWarnings(info);
    if (json) {
      io.stdout(`${JSON.stringify({ ok: true, models: info.models, warnings })}\n`);
      return AGENT_EXIT.ok;
    }
    for (const warning of warnings) io.stderr(`warning: ${escapeControls(warning)}\n`);
    if (info.models.length === 0) {
      io.stdout(
        'no models: install a provider plugin, e.g. roku plugin install @roku/plugin-provider-openai --yes\n',
      );
      return AGENT_EXIT.ok;
    }
    io.stdout(
      table([
        ['MODEL', 'CONTEXT', 'MAX OUTPUT', 'IN $/1M', 'OUT $/1M', 'SOURCE', 'CAPABILITIES'],
        ...info.models.map((m) => [
          m.ref,
          String(m.contextWindow),
          m.maxOutputTokens === null || m.maxOutputTokens === undefined ? '-' : String(m.maxOutputTokens),
          perMillion(m.costPer1kInputUsd),
          perMillion(m.costPer1kOutputUsd),
          m.source ?? 'manifest',
          (m.capabilities ?? []).join(','),
        ]),
      ]),
    );
    return AGENT_EXIT.ok;
  });
}
