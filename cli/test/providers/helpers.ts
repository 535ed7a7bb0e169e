import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CliResult, InProcessCli } from '../agent/helpers.js';
import { inProcessCli, registryDir } from '../agent/helpers.js';

export interface ProviderCli extends InProcessCli {
  /** `roku run --json <goal>` with the registry in reach; stdout holds the event and result lines. */
  runJson(goal: string, extra?: string[], env?: Record<string, string>): Promise<RunOutput>;
}

export interface RunOutput extends CliResult {
  readonly events: { type: string; [key: string]: unknown }[];
  readonly result: {
    ok: boolean;
    message?: string;
    error?: { code: string; message: string };
    [key: string]: unknown;
  };
}

/**
 * A home with provider plugins installed from the embedded registry as a user would (`roku plugin install …
 * --yes`), the user's settings and network grants for them, and quick router backoff.
 */
export async function providerCli(
  plugins: readonly string[],
  settings: Record<string, unknown>,
  grants: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Promise<ProviderCli> {
  const cli = await inProcessCli({ devDirs: [] });
  const env = { ROKU_REGISTRY_DIR: registryDir };
  const installed = await cli.run(['plugin', 'install', ...plugins, '--yes', '--json'], { env });
  if (installed.code !== 0)
    throw new Error(`installing ${plugins.join(', ')} failed:\n${installed.stderr}${installed.stdout}`);
  cli.writeConfig({
    agent: {
      initialBackoffMs: 1,
      maxBackoffMs: 5000,
      maxRetries: 2,
      ...(config.agent as object | undefined),
    },
    ...config,
    plugins: { settings, grants },
  });
  return {
    ...cli,
    async runJson(goal, extra = [], more = {}) {
      const r = await cli.run(['chat', '--pipe', '--json', ...extra], {
        stdin: goal,
        env: { ...env, ...more },
      });
      const out = r.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
      const events = out.filter((l) => l.type === 'event').map((l) => l.data as RunOutput['events'][number]);
      const result = (out.find((l) => l.type === 'result')?.data ?? { ok: false }) as RunOutput['result'];
      return { ...r, events, result };
    },
  };
}

/** Files under `dir` (besides auth.json) whose bytes contain `secret`, relative to `dir`. */
export function filesContaining(dir: string, secret: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'auth.json' && readFileSync(path).includes(secret)) found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found;
}
