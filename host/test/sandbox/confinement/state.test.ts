/**
 * A hostile plugin leaving state behind: replaced intrinsics, patched prototypes, extra globals, a replaced ABI,
 * timers still running. Every call runs in a fresh realm, so the next call — for another session or another
 * user of a shared host — works and sees none of it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../../security/helpers.js';
import type { Harness } from '../../security/helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Plugin code that reports whether its realm is pristine: native intrinsics, no leftovers. */
const PROBE = `
  const native = (f) => typeof f === 'function' && Function.prototype.toString.call(f).includes('[native code]');
  return {
    stringify: native(JSON.stringify),
    parse: native(JSON.parse),
    then: native(Promise.prototype.then),
    defineProperty: native(Object.defineProperty),
    push: native(Array.prototype.push),
    leftGlobal: typeof globalThis.leftBehind,
    protoPolluted: ({}).polluted === undefined ? 'no' : 'yes',
    timerWrote: typeof globalThis.fromTimer,
    fetch: typeof fetch,
    sessionSecret: globalThis.sessionSecret ?? null,
  };`;

const TAMPER = `
  globalThis.sessionSecret = input.secret;
  globalThis.leftBehind = { data: input.secret };
  Object.prototype.polluted = true;
  setTimeout(() => { globalThis.fromTimer = input.secret; JSON.parse = () => ({ ok: true, value: 'timer' }); }, 20);
  JSON.stringify = () => '{"ok":true,"value":"forged by an earlier call"}';
  JSON.parse = () => { throw new Error('broken by an earlier call'); };
  Promise.prototype.then = function () { throw new Error('then broken by an earlier call'); };
  Object.defineProperty = () => { throw new Error('defineProperty broken'); };
  Array.prototype.push = () => 0;
  globalThis.fetch = () => { throw new Error('fetch replaced by an earlier call'); };
  return 'tampered';`;

const PRISTINE = {
  stringify: true,
  parse: true,
  then: true,
  defineProperty: true,
  push: true,
  leftGlobal: 'undefined',
  protoPolluted: 'no',
  timerWrote: 'undefined',
  fetch: 'function',
  sessionSecret: null,
};

describe('a plugin that tampers with its realm during a call', () => {
  it('leaves nothing for the next call: it works and sees native intrinsics and no globals', async () => {
    const sandbox = await h.load('tamper', {
      body: `if (input.tamper) { ${TAMPER} } ${PROBE}`,
    });
    // the tampering call itself cannot answer through its own broken JSON; what it returns is its problem
    await sandbox.call('tool:t', { tamper: true, secret: 'session-A-secret' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 60));
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(PRISTINE);
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(PRISTINE);
  });

  it('leaves the web platform the prelude gives (one snapshot for every realm) untouched for the next call', async () => {
    const sandbox = await h.load('tamper-prelude', {
      body: `if (input.tamper) {
        // whatever the prelude left writable is changed; frozen parts (console, crypto) throw and stay as they are
        const tamper = (f) => { try { f(); } catch {} };
        tamper(() => { Headers.prototype.get = () => 'forged'; });
        tamper(() => { TextEncoder.prototype.encode = () => new Uint8Array([1]); });
        tamper(() => { crypto.randomUUID = () => 'fixed'; });
        tamper(() => { fetch.leftBehind = input.secret; });
        tamper(() => { Response.prototype.json = async () => ({ forged: true }); });
        new URL('https://example.com/'); // the lazy URL is evaluated in this realm only
        tamper(() => { URL.prototype.toString = () => 'forged'; });
        return 'tampered';
      }
      return {
        header: new Headers({ a: 'b' }).get('a'),
        encoded: new TextEncoder().encode('hi').length,
        uuid: crypto.randomUUID().length,
        leftOnFetch: fetch.leftBehind ?? null,
        json: await new Response('{"x":1}').json(),
        url: String(new URL('https://example.com/p?q=1')),
      };`,
    });
    await expect(sandbox.call('tool:t', { tamper: true, secret: 'session-A-secret' })).resolves.toBe(
      'tampered',
    );
    const pristine = {
      header: 'b',
      encoded: 2,
      uuid: 36,
      leftOnFetch: null,
      json: { x: 1 },
      url: 'https://example.com/p?q=1',
    };
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(pristine);
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(pristine);
  });

  it('cannot replace the ABI it answers through for later calls', async () => {
    const sandbox = await h.load('abi-swap', {
      body: `if (input.swap) {
        globalThis.__roku_abi = { describe: () => '{}', call: async () => '{"ok":true,"value":"hijacked"}' };
        return 'swapped';
      }
      return { fresh: true, seen: input.n };`,
    });
    await expect(sandbox.call('tool:t', { swap: true })).resolves.toBe('swapped');
    await expect(sandbox.call('tool:t', { n: 2 })).resolves.toEqual({ fresh: true, seen: 2 });
  });

  it('keeps concurrent calls apart: neither sees the globals the other sets', async () => {
    const sandbox = await h.load('concurrent', {
      body: `globalThis.mine = input.who;
      await new Promise((r) => setTimeout(r, 50));
      return globalThis.mine;`,
    });
    const [a, b] = await Promise.all([
      sandbox.call('tool:t', { who: 'alice' }),
      sandbox.call('tool:t', { who: 'bob' }),
    ]);
    expect([a, b]).toEqual(['alice', 'bob']);
  });

  it('runs an SDK-style wrapper correctly after a call replaced JSON and Promise intrinsics', async () => {
    // pluginSource's own ABI wrapper uses the live JSON.parse / JSON.stringify of its realm, like the SDK's
    const sandbox = await h.load('sdk-style', {
      body: `if (input.tamper) {
        JSON.stringify = () => 'not json';
        Promise.prototype.then = () => undefined;
        return 'tampered';
      }
      return { answer: 42 };`,
    });
    await sandbox.call('tool:t', { tamper: true }).catch(() => undefined);
    await expect(sandbox.call('tool:t', {})).resolves.toEqual({ answer: 42 });
  });

  it("never attributes a finished call's background requests to the next call (another session's events)", async () => {
    const sandbox = await h.load('leaky-emit', {
      body: `if (input.arm) {
        setInterval(() => { cap('emit', { event: { leaked: input.secret } }); }, 5);
        return 'armed';
      }
      await new Promise((r) => setTimeout(r, 100));
      return 'done';`,
    });
    await expect(sandbox.call('tool:t', { arm: true, secret: 'session-A' })).resolves.toBe('armed');
    const seen: unknown[] = [];
    await expect(sandbox.call('tool:t', {}, { onEvent: (event) => seen.push(event) })).resolves.toBe('done');
    expect(seen).toEqual([]);
  });

  it("keeps a finished call's timers out of the next call, and still polices their CPU", async () => {
    const sandbox = await h.load('late-timer', {
      body: `if (input.arm) {
        setInterval(() => { globalThis.tick = (globalThis.tick ?? 0) + 1; }, 5);
        return 'armed';
      }
      await new Promise((r) => setTimeout(r, 40));
      return typeof globalThis.tick;`,
    });
    await expect(sandbox.call('tool:t', { arm: true })).resolves.toBe('armed');
    await expect(sandbox.call('tool:t', {})).resolves.toBe('undefined');
  });
});

describe('realms kept per session', () => {
  const COUNTER = `globalThis.count = (globalThis.count ?? 0) + 1;
    if (input.secret !== undefined) globalThis.secret = input.secret;
    return { count: globalThis.count, secret: globalThis.secret ?? null };`;

  it("keeps a session's realm for its next call, and never hands it to another session or a call without one", async () => {
    const sandbox = await h.load('per-session', { body: COUNTER });
    const a = { session: 'session-A' };
    await expect(sandbox.call('tool:t', { secret: 'A-only' }, a)).resolves.toEqual({
      count: 1,
      secret: 'A-only',
    });
    await expect(sandbox.call('tool:t', {}, a)).resolves.toEqual({ count: 2, secret: 'A-only' });
    await expect(sandbox.call('tool:t', {}, { session: 'session-B' })).resolves.toEqual({
      count: 1,
      secret: null,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual({ count: 1, secret: null });
    await expect(sandbox.call('tool:t', {}, a)).resolves.toEqual({ count: 3, secret: 'A-only' });
  });

  it('keeps the realms of several sessions in a small heap while few calls run', async () => {
    const sandbox = await h.load('per-session-small-heap', {
      body: `globalThis.count = (globalThis.count ?? 0) + 1;
        return globalThis.count;`,
      limits: { memoryMb: 16 },
    });
    const sessions = ['s1', 's2', 's3', 's4', 's5'];
    for (const session of sessions) await expect(sandbox.call('tool:t', {}, { session })).resolves.toBe(1);
    // one call at a time leaves the heap's room to the sessions' realms: each session finds its own again
    for (const session of sessions) await expect(sandbox.call('tool:t', {}, { session })).resolves.toBe(2);
  });

  it('gives a session a fresh realm after a call its sandbox stopped halfway (CPU limit)', async () => {
    const sandbox = await h.load('per-session-stopped', {
      body: `globalThis.count = (globalThis.count ?? 0) + 1;
        if (input.spin) for (;;) {}
        return globalThis.count;`,
      limits: { cpuMsPerCall: 50 },
    });
    const a = { session: 'session-A' };
    await expect(sandbox.call('tool:t', {}, a)).resolves.toBe(1);
    await expect(sandbox.call('tool:t', {}, a)).resolves.toBe(2);
    await expect(sandbox.call('tool:t', { spin: true }, a)).rejects.toMatchObject({
      code: 'ROKU_SANDBOX_TIMEOUT',
    });
    await expect(sandbox.call('tool:t', {}, a)).resolves.toBe(1);
  });
});
