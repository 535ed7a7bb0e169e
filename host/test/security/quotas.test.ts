/**
 * Limits a manifest states and the user's config can override, enforced host-side against plugins that try
 * to pass them: filesystem bytes and files per root, key-value keys, log bytes per minute, HTTP requests in
 * flight and LLM calls and tokens per minute. Each refusal is typed (QUOTA_EXCEEDED or RATE_LIMITED).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { LoopbackServer } from '@roku/test-support';
import { createHarness } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness;
let slow: LoopbackServer;
const llmCalls: unknown[] = [];
const parked: ServerResponse[] = [];

beforeAll(async () => {
  h = await createHarness({
    services: {
      llm: {
        chat: (request) => {
          llmCalls.push(request);
          return Promise.resolve({
            message: { role: 'assistant', content: 'ok' },
            usage: { inputTokens: 500, outputTokens: 100 },
          });
        },
      },
    },
  });
  // answers headers at once and keeps every body open until the test ends
  slow = await startLoopbackServer((_req, res) => {
    res.writeHead(200);
    res.write('open');
    parked.push(res);
  });
});
afterAll(async () => {
  for (const res of parked) res.end();
  await slow.close();
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Plugin body: each [op, args] of `input.requests` sent raw; error codes (or 'ok') in order. */
const CODES = `const out = [];
for (const [op, args] of input.requests) {
  const r = JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
  out.push(r.ok ? 'ok' : r.error.code);
}
return out;`;

const write = (path: string, bytes: number, root = 'data'): [string, object] => [
  'fs.write',
  { root, path, data: 'x'.repeat(bytes), encoding: 'utf8' },
];
const RW_DATA = { filesystem: [{ root: 'data' as const, access: 'read-write' as const }] };

describe('filesystem quotas', () => {
  it('refuses the write that would pass limits.filesystemBytes, and lets a smaller one replace a file', async () => {
    const sandbox = await h.load('q-fs-bytes', {
      body: CODES,
      permissions: RW_DATA,
      limits: { filesystemBytes: 10_000 },
    });
    const codes = await sandbox.call('tool:t', {
      requests: [
        write('a.bin', 6000),
        write('b.bin', 3000),
        write('c.bin', 2000),
        write('a.bin', 1000),
        write('c.bin', 2000),
      ],
    });
    expect(codes).toEqual(['ok', 'ok', 'ROKU_CAPABILITY_QUOTA_EXCEEDED', 'ok', 'ok']);
    expect(existsSync(join(h.home, 'plugin-data', 'evil__q-fs-bytes', 'c.bin'))).toBe(true);
  });

  it('refuses a new file past limits.filesystemFiles, counting files already in the root', async () => {
    const dir = join(h.home, 'plugin-data', 'evil__q-fs-files');
    mkdirSync(join(dir, 'old'), { recursive: true });
    writeFileSync(join(dir, 'old', 'one.txt'), 'kept from an earlier run');
    const sandbox = await h.load('q-fs-files', {
      body: CODES,
      permissions: RW_DATA,
      limits: { filesystemFiles: 3 },
    });
    const codes = await sandbox.call('tool:t', {
      requests: [write('a.txt', 1), write('b.txt', 1), write('c.txt', 1), write('a.txt', 5)],
    });
    expect(codes).toEqual(['ok', 'ok', 'ROKU_CAPABILITY_QUOTA_EXCEEDED', 'ok']);
  });

  it("lets the user's config raise the quota the manifest asked for", async () => {
    const sandbox = await h.load('q-fs-override', {
      body: CODES,
      permissions: RW_DATA,
      limits: { filesystemBytes: 1000 },
      grants: { limits: { filesystemBytes: 100_000 } },
    });
    expect(await sandbox.call('tool:t', { requests: [write('big.bin', 50_000)] })).toEqual(['ok']);
  });

  it('counts what a plugin adds to the workspace and refuses the write past its quota', async () => {
    const sandbox = await h.load('q-fs-ws', {
      body: CODES,
      permissions: { filesystem: [{ root: 'workspace', path: 'out', access: 'read-write' }] },
      limits: { filesystemBytes: 4096 },
    });
    const codes = await sandbox.call('tool:t', {
      requests: [write('out/a', 4000, 'workspace'), write('out/b', 200, 'workspace')],
    });
    expect(codes).toEqual(['ok', 'ROKU_CAPABILITY_QUOTA_EXCEEDED']);
    expect(existsSync(join(h.workspace, 'out', 'b'))).toBe(false);
  });
});

describe('key-value keys', () => {
  it('refuses a new key past limits.storageKeys but lets existing keys change and freed keys be reused', async () => {
    const set = (key: string): [string, object] => ['kv.set', { key, value: 'v' }];
    const sandbox = await h.load('q-kv', { body: CODES, limits: { storageKeys: 2 } });
    const codes = await sandbox.call('tool:t', {
      requests: [set('a'), set('b'), set('c'), set('a'), ['kv.delete', { key: 'b' }], set('c')],
    });
    expect(codes).toEqual(['ok', 'ok', 'ROKU_CAPABILITY_QUOTA_EXCEEDED', 'ok', 'ok', 'ok']);
  });
});

describe('rates', () => {
  it('refuses log lines past limits.logBytesPerMinute', async () => {
    const line: [string, object] = ['log', { level: 'info', message: 'y'.repeat(400) }];
    const sandbox = await h.load('q-log', { body: CODES, limits: { logBytesPerMinute: 1000 } });
    const codes = (await sandbox.call('tool:t', { requests: [line, line, line, line] })) as string[];
    expect(codes).toEqual(['ok', 'ok', 'ROKU_CAPABILITY_RATE_LIMITED', 'ROKU_CAPABILITY_RATE_LIMITED']);
  });

  it('refuses an HTTP request past limits.httpConcurrency until one in flight is cancelled', async () => {
    const sandbox = await h.load('q-http', {
      body: `const start = () => cap('fetch.start', { url: input.url, method: 'GET', headers: [], body: null, bodyEncoding: 'utf8' });
      const a = await start(); const b = await start(); const c = await start();
      await cap('fetch.cancel', { streamId: a.value.streamId });
      const d = await start();
      return [a.ok, b.ok, c.ok ? 'ok' : c.error.code, d.ok];`,
      grants: { network: [slow.origin] },
      limits: { httpConcurrency: 2 },
    });
    expect(await sandbox.call('tool:t', { url: `${slow.origin}/` })).toEqual([
      true,
      true,
      'ROKU_CAPABILITY_RATE_LIMITED',
      true,
    ]);
  });

  it('refuses llm calls past limits.llmCallsPerMinute and limits.llmTokensPerMinute', async () => {
    const chat: [string, object] = ['llm.chat', { request: { messages: [{ role: 'user', content: 'hi' }] } }];
    const calls = await h.load('q-llm-calls', {
      body: CODES,
      permissions: { capabilities: { llm: true } },
      limits: { llmCallsPerMinute: 2 },
    });
    expect(await calls.call('tool:t', { requests: [chat, chat, chat] })).toEqual([
      'ok',
      'ok',
      'ROKU_CAPABILITY_RATE_LIMITED',
    ]);
    const tokens = await h.load('q-llm-tokens', {
      body: CODES,
      permissions: { capabilities: { llm: true } },
      limits: { llmTokensPerMinute: 1000 },
    });
    // each answer reports 600 tokens: the second call starts under the budget, the third does not
    expect(await tokens.call('tool:t', { requests: [chat, chat, chat] })).toEqual([
      'ok',
      'ok',
      'ROKU_CAPABILITY_RATE_LIMITED',
    ]);
    expect(llmCalls).toHaveLength(4);
  });
});
