import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { ChatMessage } from '@roku/schemas';
import { expectScriptUsed, scriptedSettings, tempDir } from '@roku/test-support';
import type { ScriptStep } from '@roku/test-support';
import { main } from '../../src/main.js';
import type { AgentIo } from '../../src/commands/agent/index.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(repo, 'cli/dist/bin.js');
/** The embedded registry the end-to-end tests install from; ROKU_AGENT_E2E_REGISTRY points elsewhere. */
export const registryDir = process.env.ROKU_AGENT_E2E_REGISTRY ?? join(repo, 'registry-data');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// ---------------------------------------------------------------------------------------------------------
// `roku` through main() in this process, against the real runtime
// ---------------------------------------------------------------------------------------------------------

/** The built first-party plugins loaded as dev plugins (straight from their folders, manifest permissions). */
export const DEV_PLUGINS = {
  scripted: join(repo, 'plugins/provider-scripted'),
  toolsFs: join(repo, 'plugins/toolset-fs'),
  echo: join(repo, 'examples/tool-echo'),
};

export type { ScriptStep };

export interface AgentSetup {
  /** The scripted provider's script; without one it answers by its rules. */
  readonly script?: readonly ScriptStep[];
  /**
   * Strict script (the provider fails requests it has no step for; the test fails when a step goes unused).
   * Off by default: most CLI tests script one step and let the rules answer the rest.
   */
  readonly strict?: boolean;
  /** Dev plugin folders; default: the scripted provider, toolset-fs and the echo example. */
  readonly devDirs?: readonly string[];
  /** Settings of other plugins, by plugin id. */
  readonly settings?: Record<string, unknown>;
  /** More of the `plugins` section (memorySlot, contextEngine, …). */
  readonly plugins?: Record<string, unknown>;
  /** Other top-level sections of the host config (approvals, …). */
  readonly config?: Record<string, unknown>;
}

/** `$ROKU_HOME/config.json` for `setup`: dev plugins instead of installed ones, and quick provider retries. */
export function agentConfig(setup: AgentSetup = {}): Record<string, unknown> {
  return {
    agent: { initialBackoffMs: 1, maxBackoffMs: 5 },
    ...setup.config,
    plugins: {
      devDirs: setup.devDirs ?? [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs, DEV_PLUGINS.echo],
      settings: {
        ...(setup.script === undefined
          ? {}
          : scriptedSettings(setup.script, { strict: setup.strict === true })),
        ...setup.settings,
      },
      ...setup.plugins,
    },
  };
}

export interface InProcessOptions {
  /** What stdin holds; it ends after it. */
  readonly stdin?: string;
  /** Whether stdin counts as a terminal (interactive approvals, the chat REPL). */
  readonly tty?: boolean;
  /** Lets the chat REPL drive stdin as a terminal (line editing, ctrl-C as the byte \x03). */
  readonly terminal?: boolean;
  readonly env?: Record<string, string>;
  /**
   * For conversations: called with the stdin stream, a way to read stderr so far and the exit code to come
   * (settles when the command returns); stdin ends after it.
   */
  readonly converse?: (stdin: PassThrough, stderr: () => string, exited: Promise<number>) => Promise<void>;
}

/** What `roku session show <id> --json` prints. */
export interface SessionDetail {
  readonly session: { id: string; messageCount: number; lastRunStatus: string | null };
  readonly messages: { seq: number; runId: string; message: ChatMessage }[];
  readonly runs: { id: string; goal: string; status: string; errorCode: string | null }[];
}

export interface InProcessCli {
  /** ROKU_HOME: config.json, the store, traces, the chat history. */
  readonly home: string;
  /** The working directory of every invocation: the workspace the file tools read and write. */
  readonly workspace: string;
  run(args: string[], options?: InProcessOptions): Promise<CliResult>;
  /** Rewrites `$ROKU_HOME/config.json` (a running chat notices). */
  writeConfig(config: Record<string, unknown> | string): void;
  /** The session as `roku session show --json` prints it, or undefined when there is none (exit 1). */
  session(id: string): Promise<SessionDetail | undefined>;
  /** A workspace file's text, or undefined when it does not exist. */
  file(path: string): string | undefined;
}

/**
 * `roku` run in this process through `main`, against the real agent runtime (what the CLI builds without
 * `io.createRuntime`) with the first-party plugins as dev plugins. Every invocation opens the same home and
 * workspace, like separate processes sharing one SQLite store.
 */
export function inProcessCli(setup: AgentSetup = {}): Promise<InProcessCli> {
  const home = tempDir('agent-home');
  const workspace = tempDir('agent-ws');
  const cli: InProcessCli = {
    home,
    workspace,
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
        cwd: workspace,
        stdin,
        isTTY: options.tty === true,
        stderrIsTTY: false,
        ...(options.terminal === undefined ? {} : { terminal: options.terminal }),
      };
      const done = main(args, io);
      if (options.converse !== undefined) {
        await options.converse(stdin, () => stderr, done);
        stdin.end();
      }
      const code = await done;
      return { code, stdout, stderr };
    },
    writeConfig(config) {
      writeFileSync(
        join(home, 'config.json'),
        typeof config === 'string' ? config : JSON.stringify(config, null, 2),
      );
    },
    async session(id) {
      const r = await cli.run(['session', 'show', id, '--json']);
      if (r.code === 1 && r.stdout.includes('"code":"ROKU_SESSION_NOT_FOUND"')) return undefined;
      if (r.code !== 0) throw new Error(`roku session show ${id} failed (${r.code}):\n${r.stderr}`);
      return JSON.parse(r.stdout) as SessionDetail;
    },
    file(path) {
      const file = join(workspace, path);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    },
  };
  cli.writeConfig(agentConfig(setup));
  if (setup.strict === true) {
    onTestFinished(() => {
      expectScriptUsed(home, setup.script);
    });
  }
  return Promise.resolve(cli);
}

/** Resolves once `read()` contains `text` (polling), so a conversation can answer the prompt it waits for. */
export async function waitFor(read: () => string, text: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!read().includes(text)) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${JSON.stringify(text)} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 10));
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
  /** Removes the home and workspace now (tempDir removes them after the test, or the file when shared). */
  remove(): Promise<void>;
}

/** A fresh ROKU_HOME and workspace; `install` puts the end-to-end plugins in it. */
export function freshHome(install = true): Promise<Home> {
  const home = tempDir('agent-e2e');
  const workspace = tempDir('agent-ws');
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
  return Promise.resolve(h);
}
