/**
 * A call that needs a fresh realm (a session's first call) takes the spare one the runner prepares ahead. The
 * runner prepares it once the plugin has been idle for a moment, so that a session's next call, which often
 * follows at once, does not wait behind it; the realm a new session then gets was still made ahead of its call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerHarness, fixture, responseOf } from './harness.js';

const BEHAVIOURS = fixture('behaviours.js');
/** What `tool:realm-age` answers: ms since its realm ran the bundle's top level. */
type Age = { ok: boolean; value: number };

describe('sandbox runner: the spare realm', () => {
  let runner: RunnerHarness;
  beforeAll(async () => {
    runner = await RunnerHarness.start();
  });
  afterAll(async () => {
    await runner.stop();
  });

  it("prepares the first call's realm once the runner is quiet after loading", async () => {
    await runner.load('spare-first@1#1', BEHAVIOURS);
    await runner.load('spare-first@1#2', BEHAVIOURS);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const key of ['spare-first@1#1', 'spare-first@1#2']) {
      const first = responseOf(await runner.call(key, 'tool:realm-age', null, 'x')) as Age;
      expect(first.ok).toBe(true);
      expect(first.value).toBeGreaterThanOrEqual(200);
    }
  });

  it("gives a new session a realm prepared while the plugin was idle, and a session's next call its own realm", async () => {
    await runner.load('spare@1#1', BEHAVIOURS);
    expect(responseOf(await runner.call('spare@1#1', 'tool:echo', 1, 'a'))).toEqual({
      ok: true,
      value: { echo: 1 },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // made a moment after the call of session a ended, long before this call came
    const fresh = responseOf(await runner.call('spare@1#1', 'tool:realm-age', null, 'b')) as Age;
    expect(fresh.ok).toBe(true);
    expect(fresh.value).toBeGreaterThanOrEqual(200);
    // session a's next call runs in the realm its first call left: older still
    const kept = responseOf(await runner.call('spare@1#1', 'tool:realm-age', null, 'a')) as Age;
    expect(kept.value).toBeGreaterThan(fresh.value);
  });
});
