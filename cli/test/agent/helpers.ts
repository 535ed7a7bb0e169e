import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { main } from '../../src/main.js';
import type { AgentIo } from '../../src/commands/agent/index.js';
import { createWorld, fakeRuntime } from './fake-runtime.js';
import type { FakeWorld } from './fake-runtime.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(repo, 'cli/dist/bin.js');
/** The embedded registry the end-to-end tests install from; ROKU_AGENT_E2E_REGISTRY points elsewhere. */
export const registryDir = process.env.ROKU_AGENT_E2E_REGISTRY ?? join(repo, 'registry-data');

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temp folder removed after the current test; `keep` leaves removing it to the caller. */
export async function tempDir(prefix: string, keep = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (!keep) made.push(dir);
  return dir;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface InProcessOptions {
  /** What stdin holds; it ends after it. */
  readonly stdin?: string;
  /** Whether stdin counts as a terminal (interactive approvals, the chat REPL). */
  readonly tty?: boolean;
  /** Lets the chat REPL drive stdin as a terminal (line editing, ctrl-C as the byte \x03). */
  readonly terminal?: boolean;
  readonly env?: Record<string, string>;
  /** Makes createRuntime fail with this error. */
  readonly runtimeError?: Error;
  /** Called with the stdin stream and a way to read stderr so far, for conversations. */
  readonly converse?: (stdin: PassThrough, stderr: () => string) => Promise<void>;
}

export interface InProcessCli {
  readonly home: string;
  readonly world: FakeWorld;
  run(args: string[], options?: InProcessOptions): Promise<CliResult>;
}

/** `roku` run in this process through `main`, against a fake runtime sharing one world across invocations. */
export async function inProcessCli(): Promise<InProcessCli> {
  const home = await tempDir('roku-agent-home-');
  const world = createWorld();
  return {
    home,
    world,
    async run(args, options = {}) {
      let stdout = '';
      let stderr = '';
      const stdin = new PassThrough();
      if (options.converse === undefined) stdin.end(options.stdin ?? '');
      else if (options.stdin !== undefined) stdin.write(options.stdin);
      const io: AgentIo = {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: { ROKU_HOME: home, ...options.env },
        cwd: home,
        stdin,
        isTTY: options.tty === true,
        stderrIsTTY: false,
        ...(options.terminal === undefined ? {} : { terminal: options.terminal }),
        createRuntime: (o) =>
          options.runtimeError === undefined
            ? Promise.resolve(fakeRuntime(world, o))
            : Promise.reject(options.runtimeError),
      };
      const done = main(args, io);
      if (options.converse !== undefined) {
        await options.converse(stdin, () => stderr);
        stdin.end();
      }
      const code = await done;
      return { code, stdout, stderr };
    },
  };
}

/** Resolves once `read()` contains `text` (polling), so a conversation can answer the prompt it waits for. */
export async function waitFor(read: () => string, text: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!read().includes(text)) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${JSON.stringify(text)} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lines of `text` that are not empty. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

// ---------------------------------------------------------------------------------------------------------
// The real binary against the real runtime
// ---------------------------------------------------------------------------------------------------------

/** The first-party plugins the end-to-end tests install from the embedded registry. */
export const E2E_PLUGINS = [
  '@roku/plugin-provider-scripted',
  '@roku/plugin-toolset-fs',
  '@roku/example-tool-echo',
];

export interface Home {
  readonly home: string;
  readonly workspace: string;
  readonly env: Record<string, string>;
  /** Runs the binary with `stdin` piped in (not a terminal). */
  roku(args: string[], stdin?: string, extraEnv?: Record<string, string>): CliResult;
  /** Like roku() but asynchronous, for runs that must be interrupted. */
  spawn(args: string[], extraEnv?: Record<string, string>): ReturnType<typeof spawn>;
  /** Removes the home and workspace (they outlive single tests, for suites that share them). */
  remove(): Promise<void>;
}

/** A fresh ROKU_HOME and workspace (remove them with `remove()`); `install` puts the end-to-end plugins in it. */
export async function freshHome(install = true): Promise<Home> {
  const home = await tempDir('roku-agent-e2e-', true);
  const workspace = await tempDir('roku-agent-ws-', true);
  const env = { PATH: process.env.PATH ?? '', ROKU_HOME: home, ROKU_REGISTRY_DIR: registryDir };
  const h: Home = {
    home,
    workspace,
    env,
    roku(args, stdin, extraEnv) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: workspace,
        encoding: 'utf8',
        env: { ...env, ...extraEnv },
        input: stdin ?? '',
        timeout: 60_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    spawn(args, extraEnv) {
      return spawn(process.execPath, [bin, ...args], { cwd: workspace, env: { ...env, ...extraEnv } });
    },
    async remove() {
      await Promise.all([home, workspace].map((d) => rm(d, { recursive: true, force: true })));
    },
  };
  if (install) {
    const r = h.roku(['plugin', 'install', ...E2E_PLUGINS, '--yes', '--json']);
    if (r.code !== 0) throw new Error(`installing ${E2E_PLUGINS.join(', ')} failed:\n${r.stderr}`);
  }
  return h;
}
