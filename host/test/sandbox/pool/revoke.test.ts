import { afterEach, describe, expect, it } from 'vitest';
import type { PoolHarness } from './pool-harness.js';
import { createPoolHarness, failureOf } from './pool-harness.js';

let h: PoolHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('revoking a plugin during its calls', () => {
  it('ends its running and queued calls with ROKU_SANDBOX_REVOKED at once, refuses later ones, and leaves others running', async () => {
    h = createPoolHarness();
    const revoked = await h.load('@r/gone', {
      body: `await new Promise(() => {});`,
      limits: { concurrency: 1, wallMsPerCall: 60_000 },
    });
    const other = await h.load('@r/kept', { body: `await sleep(200); return 'kept';` });
    const running = failureOf(revoked.call('tool:t', {}));
    const queued = failureOf(revoked.call('tool:t', {}));
    const bystander = other.call('tool:t', {});
    await expect.poll(() => revoked.inFlight).toBe(1);
    expect(await h.host.sandboxes.revoke('@r/gone', 'it was disabled')).toBe(1);
    for (const error of [await running, await queued]) {
      expect(error.code).toBe('ROKU_SANDBOX_REVOKED');
      expect(error.message).toContain('it was disabled');
    }
    expect((await failureOf(revoked.call('tool:t', {}))).code).toBe('ROKU_SANDBOX_REVOKED');
    await expect(bystander).resolves.toBe('kept');
    expect(h.host.sandboxes.quarantine.list()).toEqual([]);
  });
});
