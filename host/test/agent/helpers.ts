import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SCRIPTED_PLUGIN_ID, expectScriptUsed, scriptedSettings, tempDir } from '@roku/test-support';
import type { ScriptStep } from '@roku/test-support';
import { createHostConfigValidator } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { AgentRuntime, RunHandlers, RunInput, RunResult } from '../../src/agent/runtime-types.js';
import type { LoopEvent } from '../../src/events/loop-events.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PLUGINS = {
  scripted: join(REPO, 'plugins/provider-scripted'),
  toolsFs: join(REPO, 'plugins/toolset-fs'),
  echo: join(REPO, 'examples/tool-echo'),
  memory: join(REPO, 'plugins/memory-session'),
  context: join(REPO, 'plugins/context-default'),
};

export type { ScriptStep };

export interface Env {
  readonly home: string;
  readonly workspace: string;
  readonly configFile: string;
  writeConfig(config: Record<string, unknown>): void;
  open(): Promise<AgentRuntime>;
  /** Fails when a strict script of the current config has steps that never answered (see test-support). */
  checkScript(): void;
}

const validator = createHostConfigValidator();

/** A host config with dev plugins and the scripted provider's script, strict unless `strict: false`. */
export function configFor(options: {
  script?: ScriptStep[];
  strict?: boolean;
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
      settings:
        options.script === undefined
          ? {}
          : scriptedSettings(options.script, { strict: options.strict ?? true }),
      ...options.plugins,
    },
  };
}

export function makeEnv(
  initial: Record<string, unknown>,
  secrets: Readonly<Record<string, string>> = {},
): Env {
  const root = tempDir('agent');
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
        env: secrets,
      });
      runtimes.push(runtime);
      return runtime;
    },
    checkScript() {
      const plugins = current.plugins as {
        settings?: Record<string, { script?: ScriptStep[]; strict?: boolean }>;
      };
      const scripted = plugins.settings?.[SCRIPTED_PLUGIN_ID];
      if (scripted?.strict === true) expectScriptUsed(home, scripted.script);
    },
  };
  env.writeConfig(initial);
  afterCleanup.push(async () => {
    for (const r of runtimes) await r.close().catch(() => undefined);
    env.checkScript();
  });
  return env;
}

export const afterCleanup: (() => Promise<void>)[] = [];

/** Closes every runtime of the test, then fails it if a check (e.g. unused script steps) failed. */
export async function cleanupAll(): Promise<void> {
  const failures: unknown[] = [];
  while (afterCleanup.length > 0)
    await afterCleanup
      .pop()?.()
      .catch((err: unknown) => failures.push(err));
  if (failures.length > 0) throw failures[0];
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

/**
 * Writes a raw-ABI plugin (what an SDK bundle reduces to) into `dir`: `contributes` as given, and `handlers`
 * as the source of an object literal mapping op → async (input, config, cap) => value, where `cap(op, args)`
 * makes a capability request.
 */
export function rawPlugin(
  dir: string,
  id: string,
  contributes: Record<string, unknown>,
  handlers: string,
  permissions: Record<string, unknown> = {},
): string {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id,
      version: '1.0.0',
      description: `Test fixture ${id}.`,
      license: 'Apache-2.0',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'dist/plugin.js' },
      contributes,
      permissions,
    }),
  );
  const c = contributes as {
    tools?: { name: string }[];
    providers?: { name: string }[];
    memorySlot?: { name: string };
    contextEngine?: { name: string };
  };
  const description = {
    abi: 1,
    tools: (c.tools ?? []).map((t) => t.name),
    providers: (c.providers ?? []).map((p) => p.name),
    memorySlot: c.memorySlot?.name ?? null,
    contextEngine: c.contextEngine?.name ?? null,
    subagentRuntimes: [],
  };
  writeFileSync(
    join(dir, 'dist', 'plugin.js'),
    `const handlers = ${handlers};
const description = ${JSON.stringify(JSON.stringify(description))};
globalThis.__roku_abi = Object.freeze({
  describe: () => description,
  call: async (json) => {
    const req = JSON.parse(json);
    const cap = async (op, args) => {
      const reply = JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args }), req.callId));
      if (!reply.ok) { const e = new Error(reply.error.message); e.code = reply.error.code; throw e; }
      return reply.value;
    };
    try {
      const handler = handlers[req.op];
      if (handler === undefined) throw Object.assign(new Error('no handler for ' + req.op), { code: 'NO_OP' });
      const value = await handler(req.input, req.config, cap);
      return JSON.stringify({ ok: true, value: value === undefined ? null : value });
    } catch (err) {
      return JSON.stringify({ ok: false, error: { code: String(err.code ?? 'ERR'), message: String(err.message) } });
    }
  },
});`,
  );
  return dir;
}

/**
 * A provider that tells what it received: `inspect` answers with JSON {tools, toolsJson, messages, crossed};
 * `call <json>` makes that tool call once per user message; anything else is echoed. With `continued`, it keeps
 * its requests' messages as the SDK does (ChatCall.keep/since) and `crossed` counts the messages that came over
 * the boundary in that request.
 */
export function inspectorProvider(dir: string, options: { continued?: boolean } = {}): string {
  const continued = options.continued === true;
  return rawPlugin(
    dir,
    '@test/inspector',
    {
      providers: [
        {
          name: 'inspector',
          description: 'Tells what it received.',
          models: [{ id: 'inspect-1', contextWindow: 200000 }],
        },
      ],
    },
    `(() => {
      const continued = ${continued};
      const kept = new Map();
      /** The whole request: a continued one rebuilt from the messages this realm kept. */
      function wholeOf(call) {
        const { since, keep, ...rest } = call;
        if (!continued || since === undefined) return rest;
        const held = kept.get(since.state);
        if (held === undefined || held.length < since.count) {
          throw Object.assign(new Error('lost'), { code: 'ROKU_PROVIDER_STATE_LOST' });
        }
        return { ...rest, messages: held.slice(0, since.count).concat(rest.messages) };
      }
      function answerOf(request, crossed) {
        const msgs = request.messages;
        let lastUser = -1;
        msgs.forEach((m, i) => { if (m.role === 'user') lastUser = i; });
        const user = msgs[lastUser]?.content ?? '';
        const answered = msgs.slice(lastUser + 1).some((m) => m.role === 'assistant');
        const usage = { inputTokens: 10, outputTokens: 5 };
        if (user.startsWith('inspect')) {
          const text = JSON.stringify({
            tools: (request.tools ?? []).map((t) => t.name),
            toolsJson: JSON.stringify(request.tools ?? []),
            messages: msgs.map((m) => ({ role: m.role, content: m.content })),
            crossed,
          });
          return { message: { role: 'assistant', content: text }, finishReason: 'stop', usage };
        }
        if (user.startsWith('call ') && !answered) {
          const call = JSON.parse(user.slice(5));
          return {
            message: { role: 'assistant', content: '', toolCalls: [{ id: 'c' + msgs.length, name: call.name, arguments: call.arguments }] },
            finishReason: 'tool_calls',
            usage,
          };
        }
        const last = msgs[msgs.length - 1];
        return { message: { role: 'assistant', content: last.role === 'tool' ? 'tool said: ' + last.content : 'echo: ' + user }, finishReason: 'stop', usage };
      }
      return {
        'provider:inspector:chat': async (call) => {
          const request = wholeOf(call);
          const answer = answerOf(request, call.messages.length);
          if (!continued || call.keep !== true) return answer;
          // 'forget' names a state it drops at once, as a realm that went away after answering would
          if (request.messages.at(-1)?.content === 'forget') return (kept.clear(), { ...answer, state: 'gone' });
          const state = 'k' + (kept.size + 1) + '-' + request.messages.length;
          kept.set(state, request.messages);
          return { ...answer, state };
        },
      };
    })()`,
  );
}
