import { describe, expect, it } from 'vitest';
import { createBreakerBoard } from '../../../src/agent/router/index.js';
import { caught, deferred, harness, pluginError, reply, scripted } from './fakes.js';

const request = { model: 'fake/model-a', messages: [{ role: 'user' as const, content: 'hi' }] };
const unavailable = { error: pluginError('PROVIDER_OVERLOADED') };

describe('circuit breaker', () => {
  it('opens after the 4th consecutive failed attempt and ends the request there', async () => {
    const provider = scripted([unavailable]);
    const { router, delays } = harness([provider]);
    const error = await caught(() => router.chat(request));
    expect(error.code).toBe('ROKU_PROVIDER_FAILED');
    expect(error.details).toMatchObject({
      attempts: 4,
      breakerOpen: true,
      providerCode: 'PROVIDER_OVERLOADED',
    });
    expect(error.message).toContain('paused after repeated failures');
    expect(provider.calls).toHaveLength(4);
    expect(delays).toEqual([200, 400, 800]);
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'open',
      consecutiveFailures: 4,
      retryAt: 1_030_000,
      opened: 1,
    });
  });

  it('counts the failures of attempts in flight together as one incident, and later attempts one by one', async () => {
    const outage = deferred<undefined>();
    // every attempt waits for the outage, then fails: many sessions in flight when a sandbox dies
    const provider = scripted([
      async () => {
        await outage.promise;
        throw pluginError('PROVIDER_OVERLOADED');
      },
    ]);
    const { router, clock } = harness([provider], { maxRetries: 0 });
    const inFlight = Array.from({ length: 6 }, () => caught(() => router.chat(request)));
    clock.now += 10;
    outage.resolve(undefined);
    const errors = await Promise.all(inFlight);
    expect(errors.map((e) => e.details?.breakerOpen)).toEqual(Array(6).fill(false));
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'closed',
      consecutiveFailures: 1,
    });
    // attempts begun after it each count: three more open the breaker (threshold 4)
    for (let i = 0; i < 3; i++) {
      clock.now += 10;
      await caught(() => router.chat(request));
    }
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'open',
      consecutiveFailures: 4,
    });
  });

  it('fails fast during the cooldown without calling the provider', async () => {
    const provider = scripted([unavailable]);
    const { router, clock } = harness([provider]);
    await caught(() => router.chat(request));
    clock.now += 29_999;
    const error = await caught(() => router.chat(request));
    expect(error.code).toBe('ROKU_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ pluginId: '@test/provider', provider: 'fake', retryInMs: 1 });
    expect(provider.calls).toHaveLength(4);
  });

  it('lets exactly one probe through after the cooldown; its success closes the breaker', async () => {
    const gate = deferred<unknown>();
    const provider = scripted([unavailable, unavailable, unavailable, unavailable, () => gate.promise]);
    const { router, clock } = harness([provider]);
    await caught(() => router.chat(request));
    clock.now += 30_000;
    expect(router.breakerState('@test/provider', 'fake').status).toBe('half-open');

    const probe = router.chat(request);
    await Promise.resolve();
    const concurrent = await caught(() => router.chat(request));
    expect(concurrent.code).toBe('ROKU_PROVIDER_UNAVAILABLE');
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'half-open',
      probeInFlight: true,
    });

    gate.resolve(reply('back'));
    expect((await probe).response.message.content).toBe('back');
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'closed',
      consecutiveFailures: 0,
    });
    expect(provider.calls).toHaveLength(5);
  });

  it('re-opens for another cooldown when the probe fails, with no retry of the probe', async () => {
    const provider = scripted([unavailable]);
    const { router, clock, delays } = harness([provider]);
    await caught(() => router.chat(request));
    clock.now += 30_000;
    const error = await caught(() => router.chat(request));
    expect(error.code).toBe('ROKU_PROVIDER_FAILED');
    expect(error.details).toMatchObject({ attempts: 1, breakerOpen: true });
    expect(provider.calls).toHaveLength(5);
    expect(delays).toHaveLength(3);
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'open',
      retryAt: clock.now + 30_000,
      opened: 2,
    });
    expect((await caught(() => router.chat(request))).code).toBe('ROKU_PROVIDER_UNAVAILABLE');
  });

  it('is disabled by a threshold of 0', async () => {
    const provider = scripted([unavailable]);
    const { router } = harness([provider], { breakerFailureThreshold: 0 });
    for (let i = 0; i < 3; i += 1) {
      const error = await caught(() => router.chat(request));
      expect(error.code).toBe('ROKU_PROVIDER_FAILED');
      expect(error.details).toMatchObject({ attempts: 6, breakerOpen: false });
    }
    expect(provider.calls).toHaveLength(18);
    expect(router.breakerState('@test/provider', 'fake').status).toBe('closed');
  });

  it('keeps its state in the board across routers (plugin snapshot swaps)', async () => {
    const board = createBreakerBoard();
    await caught(() => harness([scripted([unavailable])], {}, { board }).router.chat(request));
    const fresh = scripted([{ value: reply('ok') }]);
    const error = await caught(() => harness([fresh], {}, { board }).router.chat(request));
    expect(error.code).toBe('ROKU_PROVIDER_UNAVAILABLE');
    expect(fresh.calls).toHaveLength(0);
  });

  it('does not count invalid requests, and any success resets the count', async () => {
    const provider = scripted([
      unavailable,
      { error: pluginError('PROVIDER_INVALID_REQUEST') },
      unavailable,
      unavailable,
      { value: reply('ok') },
    ]);
    const { router } = harness([provider], { maxRetries: 0 });
    await caught(() => router.chat(request));
    await caught(() => router.chat(request));
    expect(router.breakerState('@test/provider', 'fake').consecutiveFailures).toBe(1);
    await caught(() => router.chat(request));
    await caught(() => router.chat(request));
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'closed',
      consecutiveFailures: 3,
    });
    await router.chat(request);
    expect(router.breakerState('@test/provider', 'fake').consecutiveFailures).toBe(0);
  });
});

describe('breaker board', () => {
  const policy = { threshold: 2, cooldownMs: 100 };

  it('frees the probe slot when the probe ends without a verdict', () => {
    const board = createBreakerBoard();
    board.fail('@a/p', 'x', policy, 0);
    board.fail('@a/p', 'x', policy, 0);
    expect(board.acquire('@a/p', 'x', policy, 50)).toEqual({ ok: false, retryAt: 100 });
    expect(board.acquire('@a/p', 'x', policy, 100)).toEqual({ ok: true, probe: true });
    expect(board.acquire('@a/p', 'x', policy, 100)).toEqual({ ok: false, retryAt: null });
    board.release('@a/p', 'x', true);
    expect(board.acquire('@a/p', 'x', policy, 101)).toEqual({ ok: true, probe: true });
  });

  it('lists and resets providers, sorted by plugin id then provider', () => {
    const board = createBreakerBoard();
    board.fail('@b/p', 'y', policy, 0);
    board.fail('@a/p', 'z', policy, 0);
    board.fail('@a/p', 'x', policy, 0);
    expect(board.entries(0).map((e) => `${e.pluginId} ${e.provider}`)).toEqual([
      '@a/p x',
      '@a/p z',
      '@b/p y',
    ]);
    board.reset('@a/p');
    expect(board.entries(0).map((e) => e.pluginId)).toEqual(['@b/p']);
    board.reset();
    expect(board.entries(0)).toEqual([]);
    expect(board.state('@b/p', 'y', 0)).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  });
});
