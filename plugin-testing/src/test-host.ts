import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CEILINGS, createPluginHost, createRootLogger } from '@roku/host';
import type {
  BrokerServices,
  LookupFunction,
  PlainJson,
  PluginHost,
  PluginUserGrants,
  Sandbox,
} from '@roku/host';
import type { PluginManifest } from '@roku/schemas';

export interface TestHostOptions {
  /** Environment the plugins' granted env names and secrets are read from (default: empty). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The `workspace` filesystem root (default: a fresh temporary folder, removed by `close()`). */
  readonly workspace?: string;
  /** DNS lookup for the network guard; tests can map names to addresses. */
  readonly lookup?: LookupFunction;
  /** Host ceilings, e.g. a smaller quarantine threshold. */
  readonly quarantine?: { failures: number; windowMs: number };
  /**
   * Host services for plugins granted `capabilities.llm`, `memory`, `tools` or `subagents` (a scripted LLM, a
   * tool stub); without them such requests fail with ROKU_CAPABILITY_UNAVAILABLE.
   */
  readonly services?: BrokerServices;
  /** Log level of the host's own logger (default: silent). */
  readonly logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface TestPlugin {
  readonly sandbox: Sandbox;
  readonly manifest: PluginManifest;
  /** Every event the plugin emitted through `ctx.emit`, in order. */
  readonly events: unknown[];
  /** Calls a tool by name and resolves to its result. */
  callTool(name: string, input: unknown, config?: unknown): Promise<PlainJson>;
  /** Calls any ABI operation (`provider:<name>:chat`, `memory:recall`, …). */
  call(op: string, input: unknown, config?: unknown): Promise<PlainJson>;
}

export interface TestHost {
  readonly home: string;
  readonly workspace: string;
  readonly host: PluginHost;
  /**
   * Loads a built plugin folder into the real sandbox. `permissions` replaces what the manifest grants, so a
   * test can allow exactly a temporary folder; `grants` is what a user's config grants (`plugins.grants[id]`),
   * the only way to reach a loopback server.
   */
  load(
    dir: string,
    options?: { permissions?: PluginManifest['permissions']; grants?: PluginUserGrants },
  ): Promise<TestPlugin>;
  /**
   * Stops the runners, then removes the temporary `home` and the workspace if the host created it (a
   * workspace passed in by the caller stays).
   */
  close(): Promise<void>;
}

/** A copy of JSON data made of ordinary objects and arrays. */
function plainJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * A real Roku host for plugin tests: real runner processes, real isolates or wasm, real capability checks,
 * a temporary ROKU_HOME.
 *
 * @example
 * const host = await createTestHost();
 * const plugin = await host.load('.');
 * expect(await plugin.callTool('echo', { text: 'hi' })).toEqual({ text: 'hi' });
 * await host.close();
 */
export function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const home = mkdtempSync(join(tmpdir(), 'roku-test-home-'));
  const ownWorkspace = options.workspace === undefined;
  const workspace = options.workspace ?? mkdtempSync(join(tmpdir(), 'roku-test-workspace-'));
  const logger = createRootLogger({ level: options.logLevel ?? 'silent' });
  const host = createPluginHost({
    logger,
    home,
    workspace,
    env: options.env ?? {},
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.services === undefined ? {} : { services: options.services }),
    ...(options.quarantine === undefined
      ? {}
      : { ceilings: { ...DEFAULT_CEILINGS, quarantine: options.quarantine } }),
  });
  return Promise.resolve({
    home,
    workspace,
    host,
    async load(dir, loadOptions = {}) {
      const sandbox = await host.loadFolder(resolve(dir), loadOptions);
      const events: unknown[] = [];
      // The sandbox hands back null-prototype objects (nothing of a plugin's realm leaks); tests get plain
      // ones, so node:assert's deepStrictEqual and vitest's toStrictEqual accept equal-looking values.
      const call = async (op: string, input: unknown, config?: unknown): Promise<PlainJson> =>
        plainJson(
          await sandbox.call(op, input, { config, onEvent: (event) => events.push(plainJson(event)) }),
        );
      return {
        sandbox,
        manifest: sandbox.manifest,
        events,
        call,
        callTool: (name, input, config) => call(`tool:${name}`, input, config),
      };
    },
    async close() {
      try {
        await host.close();
      } finally {
        rmSync(home, { recursive: true, force: true });
        if (ownWorkspace) rmSync(workspace, { recursive: true, force: true });
      }
    },
  });
}
