import { loadConfig } from '@roku/host';
import type { LoadedConfig } from '@roku/host';
import type { CliIo } from './io.js';

// One CLI invocation has one io object; the logger and the command both need the config, and loading it
// compiles the config schema, so each invocation loads it once. Failures are not kept: they rethrow.
const loaded = new WeakMap<CliIo, Map<string, LoadedConfig>>();

/**
 * The host configuration for this invocation (`--config` file, else ROKU_CONFIG_FILE or $ROKU_HOME/config.json).
 *
 * @throws ROKU_CONFIG_INVALID, ROKU_CONFIG_NOT_FOUND, ROKU_CONFIG_MALFORMED
 */
export function cliConfig(io: CliIo, file: string | undefined): LoadedConfig {
  const byFile = loaded.get(io) ?? new Map<string, LoadedConfig>();
  loaded.set(io, byFile);
  const key = file ?? '';
  const cached = byFile.get(key);
  if (cached !== undefined) return cached;
  const result = loadConfig({ env: io.env, ...(file === undefined ? {} : { file }) });
  byFile.set(key, result);
  return result;
}
