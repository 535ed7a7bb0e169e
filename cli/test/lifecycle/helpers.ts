import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { isRokuError } from '@roku/schemas';
import { createTrustStore } from '@roku/host';
import type { SigningKeyPair } from '@roku/registry';
import { createFixtureRegistry } from '@roku/registry/testing';
import type { FixturePublishOptions } from '@roku/registry/testing';
import { tempDir } from '@roku/test-support';
import { registerLifecycleCommands } from '../../src/commands/lifecycle/index.js';
import type { LifecycleIo } from '../../src/commands/lifecycle/index.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Lines typed at the prompt; setting it makes stdin a terminal. */
  readonly answer?: string;
  /** Whether standard error is a terminal (progress lines); false by default. */
  readonly progress?: boolean;
}

export interface Fixture {
  readonly home: string;
  readonly registryDir: string;
  readonly publisher: SigningKeyPair;
  publish(id: string, version: string, options?: FixturePublishOptions): Promise<void>;
  trustPublisher(): Promise<void>;
  run(args: string[], options?: RunOptions): Promise<RunResult>;
}

/** Runs `roku plugin …` in process, wired and error-handled the way main.ts does it. */
async function runPlugin(args: string[], io: LifecycleIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('roku')
    .option('--config <file>')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const plugin = program.command('plugin');
  registerLifecycleCommands(plugin, program, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(['plugin', ...args], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return 2;
    if (isRokuError(err)) {
      io.stderr(`roku: ${err.message} [${err.code}]\n`);
      return err.code === 'ROKU_CLI_USAGE' ? 2 : 1;
    }
    throw err;
  }
}

/** A temp ROKU_HOME and a fixture registry (ROKU_REGISTRY_DIR) with a publisher key, not yet trusted. */
export function setup(): Promise<Fixture> {
  const home = tempDir('cli-home');
  const { dir: registryDir, publisher, publish } = createFixtureRegistry(tempDir('cli-registry'));
  return Promise.resolve({
    home,
    registryDir,
    publisher,
    async trustPublisher() {
      await createTrustStore(home).addTrustedKey(publisher.publicKey);
    },
    publish,
    async run(args, options = {}) {
      let stdout = '';
      let stderr = '';
      const stdin = new PassThrough();
      if (options.answer !== undefined) stdin.end(`${options.answer}\n`);
      const code = await runPlugin(args, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: { ROKU_HOME: home, ROKU_REGISTRY_DIR: registryDir },
        cwd: home,
        stdin,
        isTTY: options.answer !== undefined,
        stderrIsTTY: options.progress === true,
      });
      return { code, stdout, stderr };
    },
  });
}
