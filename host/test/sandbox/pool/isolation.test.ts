import { afterEach, describe, expect, it } from 'vitest';
import type { PoolHarness } from './pool-harness.js';
import { createPoolHarness } from './pool-harness.js';

let h: PoolHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const body = `return 'ok';`;

describe('runner processes separated by trust', () => {
  it("runs plugins of different publishers in different runner processes, one publisher's plugins together", async () => {
    h = createPoolHarness();
    const sandboxes = await Promise.all([
      h.load('@first/a', { body }),
      h.load('@first/b', { body }),
      h.load('@third/c', { body }),
    ]);
    for (const s of sandboxes) await expect(s.call('tool:t', {})).resolves.toBe('ok');
    const first = await h.runnerPid('@first/a');
    expect(first).toBeTypeOf('number');
    expect(await h.runnerPid('@first/b')).toBe(first);
    expect(await h.runnerPid('@third/c')).not.toBe(first);
    expect(
      h.host.sandboxes
        .runners()
        .map((r) => r.group)
        .sort(),
    ).toEqual(['isolate:@first', 'isolate:@third']);
  });

  it('gives every plugin a runner of its own with sandbox.runnerIsolation "plugin"', async () => {
    h = createPoolHarness({ runnerIsolation: 'plugin' });
    const a = await h.load('@first/a', { body });
    const b = await h.load('@first/b', { body });
    await expect(a.call('tool:t', {})).resolves.toBe('ok');
    await expect(b.call('tool:t', {})).resolves.toBe('ok');
    expect(await h.runnerPid('@first/a')).not.toBe(await h.runnerPid('@first/b'));
  });

  it("keeps a publisher's runner up only while it has plugins, and other publishers' runners untouched when it dies", async () => {
    h = createPoolHarness();
    const mine = await h.load('@first/a', { body });
    const theirs = await h.load('@third/c', { body: `await new Promise(() => {});` });
    const pid = await h.runnerPid('@third/c');
    const first = await h.runnerPid('@first/a');
    process.kill(pid as number, 'SIGKILL');
    await expect(mine.call('tool:t', {})).resolves.toBe('ok');
    expect(await h.runnerPid('@first/a')).toBe(first);
    await theirs.dispose();
    expect(h.host.sandboxes.runners().map((r) => r.group)).toEqual(['isolate:@first']);
  });
});
