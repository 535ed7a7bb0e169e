/**
 * Hostile results and logs that used to end in CPU timeouts or unhandled rejections get typed refusals, fast:
 * results nested a million levels deep, log messages of hundreds of megabytes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSandboxJson } from '../../../src/sandbox/safe-json.js';
import { createHarness, expectFailure, rejection } from '../../security/helpers.js';
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

describe('a plugin returning a result nested a million levels deep', () => {
  it('gets ROKU_SANDBOX_OUTPUT_TOO_DEEP when it returns the JSON text itself', async () => {
    const sandbox = await h.load('deep-text', {
      source: `globalThis.__roku_abi = {
        describe: () => JSON.stringify({ abi: 1, tools: ['t'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
        call: () => '{"ok":true,"value":' + '['.repeat(1e6) + ']'.repeat(1e6) + '}',
      };`,
      limits: { outputBytes: 4 * 1024 * 1024, cpuMsPerCall: 2000 },
    });
    const error = await expectFailure(
      sandbox.call('tool:t', {}),
      'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
      'deep-text',
    );
    expect(error.message).toContain('levels');
  });

  it('gets a typed refusal, not a timeout, when it returns a deeply nested value', async () => {
    const sandbox = await h.load('deep-value', {
      body: `let v = 0; for (let i = 0; i < 1e5; i++) v = [v]; return v;`,
      limits: { outputBytes: 4 * 1024 * 1024, cpuMsPerCall: 2000, memoryMb: 64 },
    });
    // its own JSON.stringify overflows (the plugin's RangeError) or the entry refuses the depth
    const error = await rejection(sandbox.call('tool:t', {}));
    expect(['ROKU_SANDBOX_OUTPUT_TOO_DEEP', 'ROKU_PLUGIN_FAILED']).toContain(error.code);
  });

  it('is refused by the host before parsing too (what a wasm plugin returns goes this way)', () => {
    const deep = `{"ok":true,"value":${'['.repeat(1e6)}${']'.repeat(1e6)}}`;
    expect(() => parseSandboxJson(deep, 4 * 1024 * 1024, 'result')).toThrow(
      expect.objectContaining({ code: 'ROKU_SANDBOX_OUTPUT_TOO_DEEP' }) as Error,
    );
    // brackets inside strings are text, not nesting
    const text = `{"ok":true,"value":"${'['.repeat(1e5)}"}`;
    expect(parseSandboxJson(text, 4 * 1024 * 1024, 'result')).toMatchObject({ ok: true });
  });
});

describe('a plugin logging a message of hundreds of megabytes', () => {
  it('finishes its call at once: the message is refused by its length, before it is read or serialised', async () => {
    const sandbox = await h.load('huge-log', {
      // a rope of 2^28 characters costs a few kilobytes of heap until something flattens it
      body: `let s = 'x'.repeat(1024);
      for (let i = 0; i < 18; i++) s = s + s;
      console.log(s);
      console.error('and', s, new Error(s));
      return s.length;`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toBe(2 ** 28);
  });
});

describe("a plugin handing the prelude's web APIs objects with callbacks", () => {
  it('gets a TypeError for fetch inputs, bodies, headers and signals that are not spec types, and none of its callbacks runs', async () => {
    const sandbox = await h.load('callbacks', {
      body: `const called = [];
      const spy = (name, value) => ({ toString() { called.push(name); return value; }, valueOf() { called.push(name); return value; } });
      const outcome = async (f) => { try { await f(); return 'accepted'; } catch (e) { return e && e.name; } };
      const getterBody = {};
      Object.defineProperty(getterBody, 'byteLength', { get() { called.push('getter'); return 1; } });
      const fakeSignal = { aborted: false, addEventListener() { called.push('addEventListener'); }, removeEventListener() {} };
      const fakeUrl = Object.create(URL.prototype, { href: { get() { called.push('href'); return 'https://example.com/'; } } });
      return {
        url: await outcome(() => fetch(spy('url', 'https://example.com/'))),
        fakeUrl: await outcome(() => fetch(fakeUrl)),
        body: await outcome(() => fetch('https://example.com/', { method: 'POST', body: spy('body', 'x') })),
        getterBody: await outcome(() => fetch('https://example.com/', { method: 'POST', body: getterBody })),
        asyncIterable: await outcome(() => fetch('https://example.com/', { method: 'POST', body: { async *[Symbol.asyncIterator]() { called.push('iterator'); yield 'x'; } } })),
        method: await outcome(() => fetch('https://example.com/', { method: spy('method', 'GET') })),
        header: await outcome(() => fetch('https://example.com/', { headers: { 'x-a': spy('header', 'v') } })),
        signal: await outcome(() => fetch('https://example.com/', { signal: fakeSignal })),
        blobPart: await outcome(() => new Blob([spy('blob', 'x')])),
        called,
      };`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual({
      url: 'TypeError',
      fakeUrl: 'TypeError',
      body: 'TypeError',
      getterBody: 'TypeError',
      asyncIterable: 'TypeError',
      method: 'TypeError',
      header: 'TypeError',
      signal: 'TypeError',
      blobPart: 'TypeError',
      called: [],
    });
  });

  it('gets a synchronous TypeError, not an unhandled rejection, from prelude members called on a foreign receiver', async () => {
    const sandbox = await h.load('brand-checks', {
      body: `const members = [
        [ReadableStreamDefaultReader.prototype, 'closed'],
        [ReadableStreamDefaultReader.prototype, 'read'],
        [ReadableStream.prototype, 'cancel'],
        [ReadableStream.prototype, 'pipeTo'],
        [WritableStreamDefaultWriter.prototype, 'ready'],
        [WritableStream.prototype, 'abort'],
        [Response.prototype, 'text'],
        [Request.prototype, 'json'],
        [Blob.prototype, 'arrayBuffer'],
        [AbortSignal.prototype, 'aborted'],
      ];
      const out = {};
      for (const [proto, key] of members) {
        const d = Object.getOwnPropertyDescriptor(proto, key) ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(proto), key);
        const fn = d.get ?? d.value;
        try {
          const r = fn.call({});
          out[key] = r && typeof r.then === 'function' ? 'returned a promise' : 'returned';
        } catch (e) {
          out[key] = e.name;
        }
      }
      // a real reader still works
      const reader = new Response('ok').body.getReader();
      out.real = new TextDecoder().decode((await reader.read()).value);
      return out;`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual({
      closed: 'TypeError',
      read: 'TypeError',
      cancel: 'TypeError',
      pipeTo: 'TypeError',
      ready: 'TypeError',
      abort: 'TypeError',
      text: 'TypeError',
      json: 'TypeError',
      arrayBuffer: 'TypeError',
      aborted: 'TypeError',
      real: 'ok',
    });
  });

  it('sees the typed denial code of a refused fetch as err.cause.code', async () => {
    const sandbox = await h.load('denied-fetch', {
      body: `try { await fetch('https://example.com/'); return 'fetched'; }
      catch (e) { return { name: e.name, message: e.message, causeCode: e.cause && e.cause.code }; }`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toMatchObject({
      name: 'TypeError',
      causeCode: 'ROKU_CAPABILITY_DENIED',
    });
  });
});

describe('a plugin sending a capability request nested a million levels deep', () => {
  it('gets ROKU_CAPABILITY_BAD_REQUEST before the request leaves its sandbox', async () => {
    const sandbox = await h.load('deep-cap', {
      body: `const data = '['.repeat(1e6) + ']'.repeat(1e6);
      const reply = JSON.parse(await globalThis.__roku_host.cap('{"op":"log","args":{"level":"info","message":"m","data":' + data + '}}'));
      return reply.ok ? 'sent' : reply.error.code;`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toBe('ROKU_CAPABILITY_BAD_REQUEST');
  });
});

describe('URL and URLSearchParams, which a realm evaluates on first use', () => {
  it('work as the web platform says, and the prelude parses fetch inputs with its own even after the plugin replaced the global', async () => {
    const sandbox = await h.load('lazy-url', {
      body: `const u = new URL('https://example.com/a?x=1');
      const q = new URLSearchParams({ a: '1', b: '2' });
      const out = { href: u.href, x: u.searchParams.get('x'), q: q.toString() };
      out.isClass = typeof Object.getOwnPropertyDescriptor(globalThis, 'URL').value;
      out.body = await new Response(q).text();
      globalThis.URL = 'mine';
      out.request = new Request('https://example.com/r?y=2').url;
      out.fromUrl = new Request(u).url;
      out.mine = globalThis.URL;
      return out;`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual({
      href: 'https://example.com/a?x=1',
      x: '1',
      q: 'a=1&b=2',
      isClass: 'function',
      body: 'a=1&b=2',
      request: 'https://example.com/r?y=2',
      fromUrl: 'https://example.com/a?x=1',
      mine: 'mine',
    });
  });

  it('stay what a plugin put there before their first use', async () => {
    const sandbox = await h.load('lazy-url-replaced', {
      body: `globalThis.URL = class Mine {};
      delete globalThis.URLSearchParams;
      const url = new Request('https://example.com/').url;
      return [URL.name, typeof globalThis.URLSearchParams, url];`,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual(['Mine', 'undefined', 'https://example.com/']);
  });
});
