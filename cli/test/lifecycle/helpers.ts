import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterEach } from 'vitest';
import { isRokuError } from '@roku/schemas';
import { createTrustStore } from '@roku/host';
import { createLocalRegistry, generateKeyPair, packPlugin, signPackage } from '@roku/registry';
import type { SigningKeyPair } from '@roku/registry';
import { registerLifecycleCommands } from '../../src/commands/lifecycle/index.js';
import type { LifecycleIo } from '../../src/commands/lifecycle/index.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

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

export interface PublishOptions {
  readonly network?: string[];
  readonly secrets?: string[];
  /** null publishes unsigned; the fixture's publisher by default. */
  readonly key?: SigningKeyPair | null;
}

export interface Fixture {
  readonly home: string;
  readonly registryDir: string;
  readonly publisher: SigningKeyPair;
  publish(id: string, version: string, options?: PublishOptions): Promise<void>;
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

/** A temp ROKU_HOME and a temp local registry (ROKU_REGISTRY_DIR) with a publisher key, not yet trusted. */
export async function setup(): Promise<Fixture> {
  const home = await tempDir('roku-cli-home-');
  const registryDir = await tempDir('roku-cli-reg-');
  const registry = createLocalRegistry(registryDir);
  const publisher = generateKeyPair();
  return {
    home,
    registryDir,
    publisher,
    async trustPublisher() {
      await createTrustStore(home).addTrustedKey(publisher.publicKey);
    },
    async publish(id, version, options = {}) {
      const dir = await tempDir('roku-cli-plugin-');
      const manifest = {
        manifestVersion: 1,
        id,
        version,
        description: `The ${id} plugin`,
        license: 'MIT',
        engines: { roku: '^0.1.0' },
        dependencies: {},
        runtime: { type: 'isolate', entry: 'index.js' },
        contributes: {
          tools: [{ name: 'echo', description: 'Echoes.', inputSchema: { type: 'object' }, risk: ['read'] }],
        },
        permissions: { network: options.network ?? [], secrets: options.secrets ?? [] },
      };
      await writeFile(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
      await writeFile(join(dir, 'index.js'), `export default { version: '${version}' };\n`);
      const packed = await packPlugin(dir);
      const key = options.key === undefined ? publisher : options.key;
      await registry.publish({
        manifest,
        archiveBytes: packed.bytes,
        integrity: packed.integrity,
        signatures: key === null ? [] : [signPackage(packed, key.privateKeyPem)],
      });
    },
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
  };
}
