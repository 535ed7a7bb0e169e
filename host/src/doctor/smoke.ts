import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RokuError, createHostConfigValidator } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import { createAgentRuntime } from '../agent/runtime.js';
import { defaultBundledDir } from '../agent/snapshot/sources.js';

/** The goal of the bootstrap request, as in the original CLI's smoke run. */
export const BOOTSTRAP_GOAL = 'bootstrap request';
/** The deterministic stand-in for a model that answers it (first-party, in the checkout's plugins/). */
const SCRIPTED_FOLDER = 'provider-scripted';

export interface BootstrapResult {
  readonly message: string;
  readonly model: string;
  readonly steps: number;
  readonly millis: number;
}

/**
 * Runs the bootstrap request on the deterministic path: the real agent runtime (runner process, sandboxes,
 * store, loop, memory and context plugins) over a throwaway home, with the scripted provider as the only
 * model, so no credentials or network are involved and the user's own state is not touched. The user's
 * sandbox settings apply, since they are what a real run would use.
 *
 * @throws ROKU_SMOKE_FAILED saying what did not work.
 */
export async function runBootstrapRequest(options: {
  readonly config: ResolvedHostConfig | undefined;
  readonly logger: Logger;
  readonly bundledDir?: string;
}): Promise<BootstrapResult> {
  const bundled = options.bundledDir ?? defaultBundledDir();
  const scripted = join(bundled, SCRIPTED_FOLDER);
  if (!existsSync(join(scripted, 'dist'))) {
    throw new RokuError(
      'ROKU_SMOKE_FAILED',
      `the scripted provider is not built in ${scripted}; build the checkout (pnpm build)`,
      { details: { dir: scripted } },
    );
  }
  const validated = createHostConfigValidator().validate({
    ...(options.config?.sandbox === undefined ? {} : { sandbox: options.config.sandbox }),
    agent: { defaultModel: 'scripted/scripted-1', rememberExchanges: false },
    plugins: { devDirs: [scripted] },
  });
  if (!validated.ok) {
    throw new RokuError(
      'ROKU_SMOKE_FAILED',
      `bootstrap configuration: ${validated.issues[0]?.message ?? ''}`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'roku-bootstrap-'));
  const started = performance.now();
  try {
    mkdirSync(join(root, 'workspace'));
    const runtime = await createAgentRuntime({
      config: validated.value,
      home: join(root, 'home'),
      workspace: join(root, 'workspace'),
      logger: options.logger,
      env: {},
      bundledPluginsDir: bundled,
    });
    try {
      const result = await runtime.run({
        sessionId: 'bootstrap',
        goal: BOOTSTRAP_GOAL,
        approvalMode: 'deny',
      });
      if (result.status !== 'succeeded' || !result.message.includes(BOOTSTRAP_GOAL)) {
        const why =
          result.error === undefined ? result.message : `${result.error.message} [${result.error.code}]`;
        throw new RokuError('ROKU_SMOKE_FAILED', `the bootstrap request ended ${result.status}: ${why}`, {
          details: { status: result.status, runId: result.runId },
        });
      }
      return {
        message: result.message,
        model: result.model ?? 'none',
        steps: result.steps,
        millis: performance.now() - started,
      };
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
