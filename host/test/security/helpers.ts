/**
 * Shared harness of the hostile-plugin security suite: builds throwaway plugin folders from raw JavaScript
 * (no SDK: the plugin speaks the ABI itself, as an attacker would), one real plugin host per test file, a
 * benign canary plugin that must keep answering after every hostile case. Loopback servers come from
 * `startLoopbackServer` of @roku/test-support.
 */
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRokuError } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import { expect } from 'vitest';
import { rawPluginSource, tempDir } from '@roku/test-support';
import type { BrokerServices, LookupFunction, PluginUserGrants } from '../../src/capabilities/index.js';
import { createRootLogger } from '../../src/logging/logger.js';
import { createPluginHost } from '../../src/plugins/plugin-host.js';
import type { PluginHost } from '../../src/plugins/plugin-host.js';
import type { Sandbox } from '../../src/sandbox/loaded-sandbox.js';
import type { SandboxCeilings } from '../../src/sandbox/limits.js';
import { DEFAULT_CEILINGS } from '../../src/sandbox/limits.js';

/** The value of the fake secret the host holds; it must never reach a plugin. */
export const SECRET_VALUE = 'sk-roku-test-7f3a9c1e5b';
export const SECRET_NAME = 'EVIL_API_KEY';
export const GRANTED_ENV = 'ROKU_TEST_GREETING';
export const GRANTED_ENV_VALUE = 'hello from the host';
export const UNGRANTED_ENV = 'ROKU_TEST_PRIVATE';

/** Plugin source that speaks the raw ABI around `async function run(input, request)`. */
/** See rawPluginSource (@roku/test-support). */
export const pluginSource = rawPluginSource;

export interface PluginSpec {
  /** Body of `async function run(input, request)`; ignored when `source` is given. */
  readonly body?: string;
  /** Top-level code appended after the ABI definition. */
  readonly top?: string;
  /** The whole plugin.js, for cases that define the ABI themselves. */
  readonly source?: string;
  readonly limits?: NonNullable<PluginManifest['limits']>;
  readonly permissions?: NonNullable<PluginManifest['permissions']>;
  /** What the user's own config grants the plugin (`plugins.grants[id]`): loopback origins, limits. */
  readonly grants?: PluginUserGrants;
  readonly runtime?: Partial<PluginManifest['runtime']>;
}

export function pluginId(name: string): string {
  return `@evil/${name}`;
}

/** Writes roku.plugin.json and plugin.js for `@evil/<name>` into a fresh folder under `parent`. */
export function writePlugin(parent: string, name: string, spec: PluginSpec): string {
  const dir = mkdtempSync(join(parent, `${name}-`));
  const manifest = {
    manifestVersion: 1,
    id: pluginId(name),
    version: '0.0.1',
    description: `Hostile test plugin ${name}.`,
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js', ...spec.runtime },
    contributes: {
      tools: [
        { name: 't', description: 'The hostile tool.', inputSchema: { type: 'object' }, risk: ['read'] },
      ],
    },
    permissions: spec.permissions ?? {},
    limits: { cpuMsPerCall: 200, wallMsPerCall: 2000, memoryMb: 32, ...spec.limits },
  };
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'plugin.js'), spec.source ?? pluginSource(spec.body ?? 'return null;', spec.top));
  return dir;
}

export interface Harness {
  readonly host: PluginHost;
  readonly root: string;
  readonly home: string;
  /** The workspace filesystem root. */
  readonly workspace: string;
  /** A folder outside every root, holding `secret.txt`. */
  readonly outside: string;
  /** Loads `@evil/<name>`; `permissions` replace the manifest's. */
  load(name: string, spec: PluginSpec): Promise<Sandbox>;
  /** Fails unless the canary plugin still answers (host and runner alive). */
  expectCanaryAlive(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly ceilings?: Partial<SandboxCeilings>;
  readonly lookup?: LookupFunction;
  /** Host services (LLM, memory, tools) plugins with those capabilities reach. */
  readonly services?: BrokerServices;
}

const CANARY_BODY = `return { canary: true, echo: input.n ?? null, has: typeof globalThis.fetch };`;

/** Creates a plugin host over temp folders with a fake secret in its env, and loads the canary. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = realpathSync(tempDir('security'));
  const home = join(root, 'home');
  const workspace = join(root, 'workspace');
  const outside = join(root, 'outside');
  const plugins = join(root, 'plugins');
  for (const d of [home, workspace, outside, plugins]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET outside the workspace');
  const host = createPluginHost({
    logger: createRootLogger({ level: 'silent' }),
    home,
    workspace,
    env: { [SECRET_NAME]: SECRET_VALUE, [GRANTED_ENV]: GRANTED_ENV_VALUE, [UNGRANTED_ENV]: 'private value' },
    ceilings: { ...DEFAULT_CEILINGS, ...options.ceilings },
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.services === undefined ? {} : { services: options.services }),
  });
  const canary = await host.loadFolder(writePlugin(plugins, 'canary', { body: CANARY_BODY }));
  let n = 0;
  return {
    host,
    root,
    home,
    workspace,
    outside,
    load: (name, spec) =>
      host.loadFolder(writePlugin(plugins, name, spec), {
        ...(spec.permissions === undefined ? {} : { permissions: spec.permissions }),
        ...(spec.grants === undefined ? {} : { grants: spec.grants }),
      }),
    async expectCanaryAlive() {
      n += 1;
      await expect(canary.call('tool:t', { n })).resolves.toEqual({ canary: true, echo: n, has: 'function' });
    },
    async close() {
      await host.close();
    },
  };
}

/** The RokuError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    if (!isRokuError(err)) throw new Error(`expected a RokuError, got ${String(err)}`, { cause: err });
    const e = err as { code: string; message: string; details?: Record<string, unknown> };
    return { code: e.code, message: e.message, details: e.details ?? {} };
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** Asserts that a call fails with `code`, attributed to `@evil/<name>` in message and details. */
export async function expectFailure(
  promise: Promise<unknown>,
  code: string,
  name: string,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const error = await rejection(promise);
  expect(error.code, error.message).toBe(code);
  expect(error.message).toContain(pluginId(name));
  expect(error.details.pluginId).toBe(pluginId(name));
  return error;
}

/** Asserts a CapabilityResponse JSON value the plugin got back is an error with `code` naming the plugin. */
export function expectCapError(response: unknown, code: string, name: string): void {
  expect(response).toMatchObject({ ok: false, error: { code } });
  const message = (response as { error: { message: string } }).error.message;
  expect(message).toContain(pluginId(name));
}
