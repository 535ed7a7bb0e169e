/**
 * Hostile plugins exhausting resources: CPU (sync and after awaits), wall time, heap, strings, stack, output,
 * logs, emits, capability floods, WebAssembly memory past the runner's OS cap, and repeated failures that
 * must quarantine the plugin until it is released.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectCapError, expectFailure } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ ceilings: { quarantine: { failures: 3, windowMs: 600_000 } } });
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

describe('a hostile plugin exhausting its limits', () => {
  it('is stopped by the CPU limit in an infinite synchronous loop', async () => {
    const sandbox = await h.load('sync-loop', { body: `for (;;) {}` });
    const error = await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'sync-loop');
    expect(error.details.limit).toBe('cpu');
  });

  it('is stopped by the CPU watchdog when it loops after awaiting a capability', async () => {
    const sandbox = await h.load('loop-after-await', {
      body: `await cap('log', { level: 'info', message: 'about to spin' }); for (;;) {}`,
    });
    const error = await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'loop-after-await');
    expect(error.details.limit).toBe('cpu');
  });

  it('is stopped by the wall-clock limit when it awaits forever', async () => {
    const sandbox = await h.load('await-forever', {
      body: `await new Promise(() => {});`,
      limits: { wallMsPerCall: 300 },
    });
    const error = await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_TIMEOUT', 'await-forever');
    expect(error.details.limit).toBe('wall');
  });

  it('is disposed with a typed OOM when it allocates past its heap limit', async () => {
    const sandbox = await h.load('heap-bomb', {
      body: `const keep = []; for (let i = 0; ; i++) keep.push({ i, pad: new Array(1000).fill(i) });`,
      limits: { cpuMsPerCall: 5000, wallMsPerCall: 10_000 },
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_OOM', 'heap-bomb');
  });

  it('gets its own RangeError for runaway recursion, and the sandbox stays usable', async () => {
    const sandbox = await h.load('deep-recursion', {
      body: `if (input.ok) return 'ok'; const f = (n) => f(n + 1) + 1; return f(0);`,
    });
    const error = await expectFailure(sandbox.call('tool:t', {}), 'ROKU_PLUGIN_FAILED', 'deep-recursion');
    expect(error.message).toMatch(/call stack/i);
    await expect(sandbox.call('tool:t', { ok: true })).resolves.toBe('ok');
  });

  it('cannot return more than outputBytes', async () => {
    const sandbox = await h.load('huge-output', {
      body: `return 'x'.repeat(64 * 1024);`,
      limits: { outputBytes: 4096 },
    });
    await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_OUTPUT_TOO_LARGE', 'huge-output');
  });

  it('completes its call while spamming logs (lines beyond the rate are dropped)', async () => {
    const sandbox = await h.load('log-spam', {
      body: `for (let i = 0; i < 3000; i++) console.log('spam', i, 'y'.repeat(2000));
      const raw = [];
      for (let i = 0; i < 300; i++) raw.push(cap('log', { level: 'error', message: 'z'.repeat(10000), data: { i } }));
      const replies = await Promise.all(raw);
      return { ok: replies.filter((r) => r.ok).length, limited: replies.filter((r) => !r.ok && r.error.code === 'ROKU_CAPABILITY_LIMIT').length };`,
      limits: { cpuMsPerCall: 5000, wallMsPerCall: 20_000, memoryMb: 64 },
    });
    // Every request is answered: logged (the host then rate-limits lines) or refused typed when too many wait.
    const result = (await sandbox.call('tool:t', {})) as { ok: number; limited: number };
    expect(result.ok + result.limited).toBe(300);
  });

  it('cannot emit an event larger than the emit limit', async () => {
    const sandbox = await h.load('huge-emit', {
      body: `const small = await cap('emit', { event: { type: 'delta', text: 'hi' } });
      const huge = await cap('emit', { event: { type: 'delta', text: 'x'.repeat(1024 * 1024) } });
      return { small, huge };`,
    });
    const events: unknown[] = [];
    const result = (await sandbox.call('tool:t', {}, { onEvent: (e) => events.push(e) })) as {
      small: unknown;
      huge: unknown;
    };
    expect(result.small).toEqual({ ok: true, value: null });
    expectCapError(result.huge, 'ROKU_CAPABILITY_LIMIT', 'huge-emit');
    expect(events).toEqual([{ type: 'delta', text: 'hi' }]);
  });

  it('gets every one of thousands of concurrent capability requests answered, typed', async () => {
    const sandbox = await h.load('cap-flood', {
      body: `const all = [];
      for (let i = 0; i < 3000; i++) {
        all.push(cap(i % 2 === 0 ? 'env.get' : 'kv.get', i % 2 === 0 ? { name: 'ROKU_TEST_PRIVATE' } : { key: 'k' + i }));
      }
      const replies = await Promise.all(all);
      const codes = {};
      for (const r of replies) { const k = r.ok ? 'ok' : r.error.code; codes[k] = (codes[k] || 0) + 1; }
      return codes;`,
      limits: { cpuMsPerCall: 5000, wallMsPerCall: 30_000, memoryMb: 64 },
    });
    // Requests beyond the in-flight cap are refused at once with a typed LIMIT; all others are answered.
    const codes = (await sandbox.call('tool:t', {})) as Record<string, number>;
    expect(Object.keys(codes).sort()).toEqual(['ROKU_CAPABILITY_DENIED', 'ROKU_CAPABILITY_LIMIT', 'ok']);
    expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('queues calls beyond its concurrency limit, and cannot leak timers past the cap', async () => {
    const sandbox = await h.load('busy', {
      body: `if (input.timers) { let n = 0; try { for (;;) { setTimeout(() => {}, 100000); n++; } } catch (e) { return { n, name: e.name }; } }
      await new Promise((r) => setTimeout(r, 200)); return 'done';`,
      limits: { concurrency: 1 },
    });
    const first = sandbox.call('tool:t', {});
    const second = sandbox.call('tool:t', {});
    expect(sandbox.queued).toBe(1);
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done']);
    await expect(sandbox.call('tool:t', { timers: true })).resolves.toEqual({ n: 1000, name: 'RangeError' });
  });

  it('is quarantined after repeated timeouts, and runs again once released', async () => {
    const sandbox = await h.load('quarantine-me', { body: `if (input.spin) for (;;) {} return 'alive';` });
    for (let i = 0; i < 3; i += 1)
      await expectFailure(sandbox.call('tool:t', { spin: true }), 'ROKU_SANDBOX_TIMEOUT', 'quarantine-me');
    const quarantined = await expectFailure(
      sandbox.call('tool:t', {}),
      'ROKU_SANDBOX_QUARANTINED',
      'quarantine-me',
    );
    expect(quarantined.message).toContain('ROKU_SANDBOX_TIMEOUT');
    expect(h.host.sandboxes.quarantine.list().map((q) => q.pluginId)).toEqual(['@evil/quarantine-me']);
    expect(h.host.sandboxes.quarantine.release('@evil/quarantine-me')).toBe(true);
    await expect(sandbox.call('tool:t', {})).resolves.toBe('alive');
  });

  it('is stopped when background timers burn CPU after its call returned', async () => {
    const sandbox = await h.load('background-burn', {
      body: `if (input.burn) { setInterval(() => { const end = Date.now() + 50; while (Date.now() < end) {} }, 1); return 'armed'; }
      return 'fresh';`,
    });
    await expect(sandbox.call('tool:t', { burn: true })).resolves.toBe('armed');
    // the isolate is disposed by the idle CPU budget (its runner stops listing it); the next call reloads it
    const loaded = async (): Promise<string[]> =>
      (await h.host.sandboxes.stats()).flatMap((runner) => runner.plugins.map((p) => p.pluginKey));
    await expect.poll(loaded, { timeout: 10_000, interval: 50 }).not.toContain(sandbox.pluginKey);
    await expect(sandbox.call('tool:t', {})).resolves.toBe('fresh');
  });
});

describe('a hostile plugin flooding the host with large capability requests', () => {
  it('cannot take down the shared runner (and a bystander plugin) by flooding it with large capability requests', async () => {
    // One 7 MB string inside a 64 MB isolate, sent 160 times at once. Each request leaving the isolate is
    // copied into the runner and its IPC queue, which the plugin's own memory limit does not cover, so the
    // sandbox caps requests and bytes in flight per plugin. A runner of its own: what earlier cases left in
    // a shared runner's memory is the recycling's concern, not this case's.
    const own = await createHarness();
    try {
      const bystander = await own.load('bystander', {
        body: `await new Promise((r) => setTimeout(r, 1500)); return 'bystander ok';`,
        limits: { wallMsPerCall: 20_000 },
      });
      const sandbox = await own.load('cap-memory-flood', {
        body: `const message = 'z'.repeat(7 * 1024 * 1024);
      const all = [];
      for (let i = 0; i < 160; i++) all.push(cap('log', { level: 'info', message }));
      const codes = new Set((await Promise.all(all)).map((r) => (r.ok ? 'ok' : r.error.code)));
      return [...codes].sort();`,
        limits: { cpuMsPerCall: 10_000, wallMsPerCall: 30_000, memoryMb: 64 },
      });
      const innocent = bystander.call('tool:t', {});
      const flood = sandbox.call('tool:t', {}).catch((err: unknown) => err);
      await expect(innocent).resolves.toBe('bystander ok');
      const outcome = await flood;
      expect((outcome as { code?: unknown }).code).not.toBe('ROKU_SANDBOX_CRASHED');
    } finally {
      await own.close();
    }
  });
});

describe('a hostile plugin building large strings in its own runner', () => {
  it('is disposed with a typed OOM, and its 32 MB limit also bounds what the runner keeps', async () => {
    // a harness of its own: the runner's resident memory after the OOM is part of what is checked
    const own = await createHarness();
    try {
      const sandbox = await own.load('string-bomb', {
        body: `const keep = []; for (let i = 0; ; i++) keep.push('x'.repeat(1 << 20) + i);`,
        limits: { cpuMsPerCall: 5000, wallMsPerCall: 10_000 },
      });
      await expectFailure(sandbox.call('tool:t', {}), 'ROKU_SANDBOX_OOM', 'string-bomb');
      await own.expectCanaryAlive();
      const [runner] = await own.host.sandboxes.stats();
      // generous: runner baseline is well under 150 MB; a 32 MB plugin must not leave hundreds of MB behind
      expect(runner?.rssBytes ?? 0).toBeLessThan(300 * 1024 * 1024);
    } finally {
      await own.close();
    }
  });
});

describe('a hostile plugin with WebAssembly growing memory past the runner cap', () => {
  it('gets the runner killed by the OS memory cap (CRASHED), and the next call works after restart', async () => {
    const small = await createHarness({ ceilings: { runnerMemoryMb: 192 } });
    try {
      const sandbox = await small.load('wasm-memory-bomb', {
        runtime: { webAssembly: true },
        body: `if (!input.bomb) return typeof WebAssembly;
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
        for (let i = 0; i < 256; i++) {
          const before = memory.buffer.byteLength;
          memory.grow(256);
          new Uint8Array(memory.buffer, before).fill(1);
          await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise(() => {});`,
        limits: { cpuMsPerCall: 10_000, wallMsPerCall: 20_000 },
      });
      await expect(sandbox.call('tool:t', {})).resolves.toBe('object');
      const error = await expectFailure(
        sandbox.call('tool:t', { bomb: true }),
        'ROKU_SANDBOX_CRASHED',
        'wasm-memory-bomb',
      );
      expect(error.details.reason).toBe('memory-cap');
      await small.expectCanaryAlive();
      await expect(sandbox.call('tool:t', {})).resolves.toBe('object');
    } finally {
      await small.close();
    }
  });
});
