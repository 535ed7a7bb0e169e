/**
 * Events and log lines a plugin sends one-way (`__roku_host.send`, what the SDK's ctx.emit and ctx.log use):
 * no reply comes back, yet every event reaches the host, in order, before the call's result, and a failure the
 * host finds in one fails the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectFailure } from '../security/helpers.js';
import type { Harness } from '../security/helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const emitOneWay = `const emit = (callId, event) => {
  const r = globalThis.__roku_host.send(JSON.stringify({ op: 'emit', args: { event } }), callId);
  return r === undefined ? undefined : r.then((json) => { const reply = JSON.parse(json); if (!reply.ok) throw new Error(reply.error.code); });
};`;

describe('one-way events', () => {
  it('reach the host in order and before the result, for calls at once and one after another', async () => {
    const sandbox = await h.load('stream', {
      top: emitOneWay,
      // bursts between awaits of a timer: some events leave in the synchronous part, some in continuations
      body: `for (let i = 0; i < input.n; i++) {
          const pending = emit(request.callId, { type: 'text-delta', text: input.tag + ':' + i });
          if (pending !== undefined) await pending;
          if (input.pause && i % 97 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return input.n;`,
      limits: { cpuMsPerCall: 5000, wallMsPerCall: 30_000, concurrency: 8 },
    });
    const run = async (tag: string, n: number, session?: string, pause = true): Promise<void> => {
      const seen: string[] = [];
      const result = await sandbox.call(
        'tool:t',
        { tag, n, pause },
        {
          onEvent: (e) => seen.push((e as { text: string }).text),
          ...(session === undefined ? {} : { session }),
        },
      );
      expect(result).toBe(n);
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => `${tag}:${i}`));
    };
    // one after another: the first calls take isolated-vm's thread pool, later ones the runner's thread
    for (let i = 0; i < 8; i++) await run(`seq${i}`, 300, 's');
    // calls that never wait for anything end within the synchronous part on the runner's thread
    for (let i = 0; i < 8; i++) await run(`sync${i}`, 200, 's', false);
    await Promise.all(Array.from({ length: 8 }, (_, i) => run(`par${i}`, 3000, `s${i}`)));
  }, 60_000);

  it('fail the call when the host takes no events from it', async () => {
    const sandbox = await h.load('stream-nowhere', {
      top: emitOneWay,
      body: `const pending = emit(request.callId, { type: 'text-delta', text: 'lost' }); if (pending !== undefined) await pending; return 'done';`,
    });
    const error = await expectFailure(
      sandbox.call('tool:t', {}),
      'ROKU_CAPABILITY_UNAVAILABLE',
      'stream-nowhere',
    );
    expect(error.message).toContain('emit is not available');
  });

  it('fail the call when one is larger than the emit limit, after the events before it arrived', async () => {
    const sandbox = await h.load('stream-huge', {
      top: emitOneWay,
      body: `emit(request.callId, { type: 'text-delta', text: 'first' }); emit(request.callId, { type: 'text-delta', text: 'x'.repeat(100 * 1024) }); return 'done';`,
    });
    const seen: unknown[] = [];
    await expectFailure(
      sandbox.call('tool:t', {}, { onEvent: (e) => seen.push(e) }),
      'ROKU_CAPABILITY_LIMIT',
      'stream-huge',
    );
    expect(seen).toEqual([{ type: 'text-delta', text: 'first' }]);
  });

  it('do not fail the call for log lines the host drops', async () => {
    const sandbox = await h.load('log-flood', {
      // far more than the log rate allows: the host drops lines, the call is not the worse for it
      body: `for (let i = 0; i < 500; i++) {
          const r = globalThis.__roku_host.send(JSON.stringify({ op: 'log', args: { level: 'info', message: 'x'.repeat(4000) } }), request.callId);
          if (r !== undefined) await r;
        }
        return 'logged';`,
      limits: { cpuMsPerCall: 5000, wallMsPerCall: 30_000 },
    });
    await expect(sandbox.call('tool:t', {})).resolves.toBe('logged');
  });
});
