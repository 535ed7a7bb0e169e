import { createRootLogger } from '@roku/host';
import type { Logger } from '@roku/host';
import { cliConfig } from './config.js';
import type { CliIo } from './io.js';

/**
 * The process's root logger, configured from the host config when it loads. A broken config must not stop
 * `roku doctor` from reporting it, so the logger then falls back to warnings on standard error.
 */
export function cliLogger(io: CliIo, configFile: string | undefined): Logger {
  try {
    const { config, home } = cliConfig(io, configFile);
    const file = config.log?.file ?? '';
    return createRootLogger({
      level: config.log?.level ?? 'warn',
      redact: config.log?.redact ?? [],
      ...(file === '' ? {} : { file: file.startsWith('/') ? file : `${home}/${file}` }),
    });
  } catch {
    return createRootLogger({ level: 'warn' });
  }
}
