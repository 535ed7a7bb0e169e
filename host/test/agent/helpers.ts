import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createHostConfigValidator } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { AgentRuntime, RunHandlers, RunInput, RunResult } from '../../src/agent/runtime-types.js';
import type { LoopEvent } from '../../src/agent/events.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PLUGINS = {
  scripted: join(REPO, 'plugins/provider-scripted'),
  toolsFs: join(REPO, 'plugins/tools-fs'),
  echo: join(REPO, 'examples/tool-echo'),
  memory: join(REPO, 'plugins/memory-session'),
  context: join(REPO, 'plugins/context-default'),
};

export interface ScriptStep {
  match?: string;
  text?: string;
  toolCalls?: { id?: string; name: string; arguments: Record<string, unknown> }[];
  error?: { code: string; message: string; retryAfterMs?: number };
  failTimes?: number;
  delayMs?: number;
  malformed?: boolean;
  finishReason?: string;
}

export interface Env {
  readonly home: string;
  readonly workspace: string;
  readonly configFile: string;
  writeConfig(config: Record<string, unknown>): void;
  open(): Promise<AgentRuntime>;
  cleanup(): void;
}

const validator = createHostConfigValidator();

export function configFor(options: {
  script?: ScriptStep[];
  devDirs?: string[];
  agent?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
  approvals?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    agent: { initialBackoffMs: 1, maxBackoffMs: 5, ...options.agent },
    ...(options.approvals === undefined ? {} : { approvals: options.approvals }),
    plugins: {
      devDirs: options.devDirs ?? [PLUGINS.scripted, PLUGINS.toolsFs, PLUGINS.echo],
      settings: options.script === undefined ? {} : { '@roku/provider-scripted': { script: options.script } },
      ...options.plugins,
    },
  };
}

export function makeEnv(initial: Record<string, unknown>): Env {
  const root = mkdtempSync(join(tmpdir(), 'roku-agent-'));
  const home = join(root, 'home');
  const workspace = join(root, 'ws');
  const configFile = join(root, 'config.json');
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const runtimes: AgentRuntime[] = [];
  let current = initial;
  const resolved = (): ResolvedHostConfig => {
    const result = validator.validate(current);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.value;
  };
  const env: Env = {
    home,
    workspace,
    configFile,
    writeConfig(config) {
      current = config;
      writeFileSync(configFile, JSON.stringify(config));
    },
    async open() {
      const runtime = await createAgentRuntime({
        config: resolved(),
        configFile,
        reloadConfig: resolved,
        home,
        workspace,
        logger: pino({ level: 'silent' }),
        env: {},
      });
      runtimes.push(runtime);
      return runtime;
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  env.writeConfig(initial);
  afterCleanup.push(async () => {
    for (const r of runtimes) await r.close().catch(() => undefined);
    env.cleanup();
  });
  return env;
}

export const afterCleanup: (() => Promise<void>)[] = [];

export async function cleanupAll(): Promise<void> {
  while (afterCleanup.length > 0) await afterCleanup.pop()?.();
}

/** Runs a goal and collects its events. */
export async function runGoal(
  runtime: AgentRuntime,
  input: Partial<RunInput> & { goal: string },
  handlers: Omit<RunHandlers, 'onEvent'> = {},
): Promise<{ result: RunResult; events: LoopEvent[] }> {
  const events: LoopEvent[] = [];
  const result = await runtime.run(
    { approvalMode: 'pause', ...input },
    { ...handlers, onEvent: (e) => events.push(e) },
  );
  return { result, events };
}

export function types(events: readonly LoopEvent[]): string[] {
  return events.filter((e) => e.type !== 'LlmTextDelta').map((e) => e.type);
}
