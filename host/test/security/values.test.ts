/**
 * Hostile values crossing the boundary: prototype pollution, getters, toJSON, thenables, Proxies and forged
 * responses. Only JSON strings may cross, and what the host parses must be inert data with typed failures.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectFailure, rejection } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ ceilings: { quarantine: { failures: 3, windowMs: 600_000 } } });
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  await h.expectCanaryAlive();
});

const DESCRIBE = `() => JSON.stringify({ abi: 1, tools: ['t'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] })`;

/** A plugin whose raw `call(requestJson)` is `callSource`. */
const rawAbi = (callSource: string, top = ''): string => `'use strict';
${top}
globalThis.__roku_abi = { describe: ${DESCRIBE}, call: ${callSource} };`;

describe('hostile values returned to the host', () => {
  it('keeps __proto__ and constructor.prototype keys of a result inert', async () => {
    const sandbox = await h.load('proto-pollution', {
      source: rawAbi(
        `() => '{"ok":true,"value":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"nested":[{"__proto__":{"polluted":3}}]}}'`,
      ),
    });
    const value = (await sandbox.call('tool:t', {})) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'nested']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(value.polluted).toBeUndefined();
    const nested = (value.nested as Record<string, unknown>[])[0] ?? {};
    expect(Object.getPrototypeOf(nested)).toBeNull();
    expect(nested.polluted).toBeUndefined();
  });

  it('refuses a result object with an infinite getter without evaluating it (not a string)', async () => {
    const sandbox = await h.load('getter-object', {
      source: rawAbi(`() => ({ get ok() { for (;;) {} }, toString() { for (;;) {} } })`),
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_BAD_OUTPUT', 'getter-object');
  });

  it('stops a plugin whose own serialization hits an infinite getter (CPU limit)', async () => {
    const sandbox = await h.load('getter-serialize', { body: `return { get x() { for (;;) {} } };` });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'getter-serialize');
  });

  it('stops a looping toJSON, and refuses a toJSON object handed back instead of a string', async () => {
    const looping = await h.load('tojson-loop', { body: `return { toJSON() { for (;;) {} } };` });
    await expectFailure(looping.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'tojson-loop');
    const raw = await h.load('tojson-raw', { source: rawAbi(`() => ({ toJSON() { for (;;) {} } })`) });
    await expectFailure(raw.call('tool:t', {}), 'ROKU_SANDBOX_BAD_OUTPUT', 'tojson-raw');
  });

  it('stops a thenable result whose then keeps re-scheduling itself', async () => {
    const sandbox = await h.load('thenable-loop', {
      source: rawAbi(`() => ({ then(resolve) { Promise.resolve().then(() => this.then(resolve)); } })`),
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'thenable-loop');
  });

  it('stops a thenable whose then getter spins', async () => {
    const sandbox = await h.load('thenable-getter', {
      source: rawAbi(`async () => ({ get then() { for (;;) {} } })`),
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'thenable-getter');
  });

  it('stops a thrown Proxy whose traps loop', async () => {
    const sandbox = await h.load('thrown-proxy', {
      source: rawAbi(
        `async () => { throw new Proxy({}, { get() { for (;;) {} }, getPrototypeOf() { for (;;) {} } }); }`,
      ),
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'thrown-proxy');
  });

  it('reports a thrown Proxy whose traps throw as the plugin failing', async () => {
    const sandbox = await h.load('thrown-proxy-throws', {
      source: rawAbi(
        `() => { throw new Proxy({}, { get() { throw new Proxy({}, { get() { throw 1; } }); } }); }`,
      ),
    });
    const error = await expectFailure(
      sandbox.call('tool:t', {}),
      'ROKU_PLUGIN_FAILED',
      'thrown-proxy-throws',
    );
    expect(error.details.pluginCode).toBe('PLUGIN_ERROR');
  });

  it('stops a thrown object whose message getter loops', async () => {
    const sandbox = await h.load('thrown-message-loop', {
      source: rawAbi(`async () => { throw { code: 'E_EVIL', get message() { for (;;) {} } }; }`),
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'thrown-message-loop');
  });

  it('surfaces a forged OOM CallResponse as the plugin failing, never quarantining it', async () => {
    const sandbox = await h.load('forged-oom', {
      source: rawAbi(
        `() => '{"ok":false,"error":{"code":"ROKU_SANDBOX_OOM","message":"out of memory (not really)"}}'`,
      ),
    });
    for (let i = 0; i < 4; i += 1) {
      const error = await expectFailure(sandbox.call('tool:t', {}), 'ROKU_PLUGIN_FAILED', 'forged-oom');
      expect(error.details.pluginCode).toBe('ROKU_SANDBOX_OOM');
    }
    expect(h.host.sandboxes.quarantine.list()).toEqual([]);
  });

  it('does not let a stray rejection whose message mimics V8 forge a sandbox OOM or timeout', async () => {
    // isolated-vm surfaces an unhandled rejection as the failure of the entry call; the runner then classifies
    // it by message text, so the plugin picks the code and the blame
    const sandbox = await h.load('forged-oom-rejection', {
      body: `if (input.text !== 'again') Promise.reject(new Error(input.text)); return 'fine';`,
    });
    for (const text of ['memory limit', 'Script execution timed out.', 'memory limit']) {
      const error = await rejection(sandbox.call('tool:t', { text }));
      expect(error.message).toContain('@evil/forged-oom-rejection');
      expect(['ROKU_SANDBOX_OOM', 'ROKU_SANDBOX_TIMEOUT']).not.toContain(error.code);
    }
    expect(h.host.sandboxes.quarantine.list()).toEqual([]);
    // The stray rejection fails only its own call (as the plugin's failure); the sandbox stays usable.
    await expect(sandbox.call('tool:t', { text: 'again' })).resolves.toBe('fine');
  });

  it('cannot carry a replaced __roku_abi into a later call, and the description stays the one checked at load', async () => {
    const sandbox = await h.load('abi-replaced', {
      body: `if (input.step === 1) {
        globalThis.__roku_abi = {
          describe: () => JSON.stringify({ abi: 1, tools: ['t', 'evil'], providers: ['p'], memorySlot: 'm', contextEngine: null, subagentRuntimes: [] }),
          call: () => '{"ok":true,"value":"replaced"}',
        };
        return 'swapped';
      }`,
    });
    await expect(sandbox.call('tool:t', { step: 1 })).resolves.toBe('swapped');
    // every call runs in a fresh realm: the replacement died with the call that made it
    await expect(sandbox.call('tool:t', { step: 2 })).resolves.toBeNull();
    expect(sandbox.description.tools).toEqual(['t']);
    expect(sandbox.description.providers).toEqual([]);
  });

  it('fails typed when __roku_abi has no call or its call is a spinning getter', async () => {
    const gone = await h.load('abi-deleted', { body: `delete globalThis.__roku_abi; return 1;` });
    // deleting it affects only the call that did it
    await expect(gone.call('tool:t', {})).resolves.toBe(1);
    await expect(gone.call('tool:t', {})).resolves.toBe(1);
    const noCall = await h.load('abi-no-call', {
      source: `globalThis.__roku_abi = { describe: ${DESCRIBE} };`,
    });
    await expectFailure(noCall.call('tool:t', {}), 'ROKU_SANDBOX_BAD_OUTPUT', 'abi-no-call');
    const spinning = await h.load('abi-getter', {
      source: `globalThis.__roku_abi = { describe: ${DESCRIBE}, get call() { for (;;) {} } };`,
    });
    await expectFailure(spinning.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'abi-getter');
  });

  it('refuses output that is not JSON, not a CallResponse, or nested beyond reason', async () => {
    const cases: [string, string, string][] = [
      ['not-json', `() => 'R{definitely not json'`, 'ROKU_SANDBOX_BAD_OUTPUT'],
      ['wrong-shape', `() => '{"ok":"yes","value":1}'`, 'ROKU_SANDBOX_BAD_OUTPUT'],
      ['entry-prefix', `() => 'E{"code":"ROKU_SANDBOX_OOM","message":"forged"}'`, 'ROKU_SANDBOX_BAD_OUTPUT'],
      ['no-string', `() => 42`, 'ROKU_SANDBOX_BAD_OUTPUT'],
      [
        'deep-nesting',
        `() => '{"ok":true,"value":' + '['.repeat(200000) + ']'.repeat(200000) + '}'`,
        'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
      ],
    ];
    for (const [name, call, code] of cases) {
      const sandbox = await h.load(name, { source: rawAbi(call) });
      const error = await expectFailure(sandbox.call('tool:t', {}), code, name);
      expect(error.message).not.toContain('forged');
    }
  });

  it('fails the load with a typed mismatch when describe() claims an undeclared tool', async () => {
    const error = await rejection(
      h.load('undeclared-tool', {
        source: `globalThis.__roku_abi = {
          describe: () => JSON.stringify({ abi: 1, tools: ['t', 'rm_rf'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
          call: () => '{"ok":true,"value":null}',
        };`,
      }),
    );
    expect(error.code).toBe('ROKU_SANDBOX_DESCRIPTION_MISMATCH');
    expect(error.message).toContain('@evil/undeclared-tool');
    expect(error.message).toContain('rm_rf');
    expect(error.details.pluginId).toBe('@evil/undeclared-tool');
  });

  it('fails the load typed when describe() spins, throws or returns a non-object', async () => {
    const cases: [string, string][] = [
      ['describe-spins', `() => { for (;;) {} }`],
      ['describe-throws', `() => { throw new Proxy({}, { get() { throw 1; } }); }`],
      ['describe-array', `() => '[]'`],
    ];
    for (const [name, describe] of cases) {
      const error = await rejection(
        h.load(name, { source: `globalThis.__roku_abi = { describe: ${describe}, call: () => '' };` }),
      );
      expect(['ROKU_SANDBOX_LOAD_FAILED', 'ROKU_SANDBOX_DESCRIPTION_MISMATCH']).toContain(error.code);
      expect(error.message).toContain(`@evil/${name}`);
    }
  });
});
