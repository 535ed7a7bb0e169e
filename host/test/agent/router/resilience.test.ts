import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '@roku/schemas';
import {
  createBreakerBoard,
  createProviderRouter,
  DEFAULT_ROUTER_POLICY,
} from '../../../src/agent/router/index.js';
import type { RetryInfo } from '../../../src/agent/router/index.js';
import { caught, harness, pluginError, reply, scripted } from './fakes.js';

const request = { model: 'fake/model-a', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('retries and backoff', () => {
  it('succeeds within one call after three rate limits, backing off about 200, 400 and 800 ms', async () => {
    const limited = { error: pluginError('PROVIDER_RATE_LIMIT') };
    const provider = scripted([limited, limited, limited, { value: reply('done') }]);
    const { router, delays } = harness([provider]);
    const retries: RetryInfo[] = [];
    const result = await router.chat(request, { onRetry: (info) => retries.push(info) });
    expect(result.response.message.content).toBe('done');
    expect(result.attempts).toBe(4);
    expect(delays).toEqual([200, 400, 800]);
    expect(retries.map((r) => [r.attempt, r.code, r.provider, r.modelId])).toEqual([
      [1, 'PROVIDER_RATE_LIMIT', 'fake', 'model-a'],
      [2, 'PROVIDER_RATE_LIMIT', 'fake', 'model-a'],
      [3, 'PROVIDER_RATE_LIMIT', 'fake', 'model-a'],
    ]);
    // Three failed attempts stay below the threshold of 4, and the success resets the count.
    expect(router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'closed',
      consecutiveFailures: 0,
    });
  });

  it('keeps the jitter within ±10 %', async () => {
    for (const [random, expected] of [
      [0, [180, 360, 720]],
      [0.999_999, [220, 440, 880]],
    ] as const) {
      const limited = { error: pluginError('PROVIDER_OVERLOADED') };
      const { router, delays } = harness(
        [scripted([limited, limited, limited, { value: reply('ok') }])],
        {},
        {
          random: () => random,
        },
      );
      await router.chat(request);
      expect(delays).toEqual(expected);
    }
  });

  it('caps the backoff at maxBackoffMs', async () => {
    const failing = { error: pluginError('PROVIDER_SERVER_ERROR') };
    const { router, delays } = harness([scripted([failing])], {
      maxRetries: 5,
      initialBackoffMs: 10_000,
      breakerFailureThreshold: 0,
    });
    await caught(() => router.chat(request));
    expect(delays).toEqual([10_000, 20_000, 30_000, 30_000, 30_000]);
  });

  it('waits as long as Retry-After says instead, still capped', async () => {
    const provider = scripted([
      { error: pluginError('PROVIDER_RATE_LIMIT', 2000) },
      { error: pluginError('PROVIDER_RATE_LIMIT', 600_000) },
      { value: reply('ok') },
    ]);
    const { router, delays } = harness([provider]);
    await router.chat(request);
    expect(delays).toEqual([2000, 30_000]);
  });

  it('makes one attempt only for invalid requests and failed authentication', async () => {
    for (const code of ['PROVIDER_INVALID_REQUEST', 'PROVIDER_AUTH_FAILED', 'PROVIDER_QUOTA_EXCEEDED']) {
      const provider = scripted([{ error: pluginError(code) }, { value: reply('never') }]);
      const { router, delays } = harness([provider]);
      const error = await caught(() => router.chat(request));
      expect(error.code).toBe('ROKU_PROVIDER_FAILED');
      expect(error.details).toMatchObject({
        pluginId: '@test/provider',
        provider: 'fake',
        modelId: 'model-a',
        providerCode: code,
        attempts: 1,
      });
      expect(provider.calls).toHaveLength(1);
      expect(delays).toEqual([]);
    }
  });

  it('pauses a provider whose quota is used up at once, so that the loop fails over to another one', async () => {
    const provider = scripted([{ error: pluginError('PROVIDER_QUOTA_EXCEEDED') }]);
    const { router } = harness([provider]);
    const error = await caught(() => router.chat(request));
    expect(error.details).toMatchObject({ providerCode: 'PROVIDER_QUOTA_EXCEEDED', breakerOpen: true });
    expect(router.breakerState('@test/provider', 'fake').status).toBe('open');
  });

  it('explains the final failure in words and gives up after maxRetries retries', async () => {
    const provider = scripted([{ error: pluginError('PROVIDER_SERVER_ERROR') }]);
    const { router } = harness([provider], { maxRetries: 2, breakerFailureThreshold: 0 });
    const error = await caught(() => router.chat(request));
    expect(error.message).toBe(
      'fake/model-a failed after 3 attempts: the provider had a server error (PROVIDER_SERVER_ERROR): upstream said PROVIDER_SERVER_ERROR',
    );
    expect(error.details).toMatchObject({ attempts: 3, retryable: true, partialOutput: false });
    expect(provider.calls).toHaveLength(3);
  });

  it('retries sandbox timeouts, crashes and out-of-memory disposals but not quarantine', async () => {
    const crash = { error: { code: 'ROKU_SANDBOX_CRASHED', message: 'runner died' } };
    const timeout = { error: { code: 'ROKU_SANDBOX_TIMEOUT', message: 'too slow' } };
    const { router } = harness([scripted([crash, timeout, { value: reply('ok') }])]);
    expect((await router.chat(request)).attempts).toBe(3);
    // a bystander of another call that ran the shared isolate out of memory
    const oom = {
      error: { code: 'ROKU_SANDBOX_OOM', message: 'the plugin exceeded its 32 MB memory limit' },
    };
    expect((await harness([scripted([oom, { value: reply('ok') }])]).router.chat(request)).attempts).toBe(2);

    const quarantined = scripted([{ error: { code: 'ROKU_SANDBOX_QUARANTINED', message: 'quarantined' } }]);
    const error = await caught(() => harness([quarantined]).router.chat(request));
    expect(error.details).toMatchObject({ providerCode: 'ROKU_SANDBOX_QUARANTINED', attempts: 1 });
  });

  it('treats an unknown plugin code as PROVIDER_FATAL and keeps the original code', async () => {
    const provider = scripted([{ error: pluginError('E_BOOM') }]);
    const error = await caught(() => harness([provider]).router.chat(request));
    expect(error.details).toMatchObject({
      providerCode: 'PROVIDER_FATAL',
      pluginCode: 'E_BOOM',
      attempts: 1,
    });
  });

  it('forwards the request with the bare model id', async () => {
    const provider = scripted([{ value: reply('ok') }]);
    const { router } = harness([provider]);
    const result = await router.chat({ ...request, sessionId: 's1' });
    expect(provider.calls[0]).toEqual({ ...request, sessionId: 's1', model: 'model-a' });
    expect(result.model.ref).toBe('fake/model-a');
  });
});

describe('context window', () => {
  it('raises ROKU_CONTEXT_WINDOW_EXCEEDED at once and never counts it against the breaker', async () => {
    const failing = scripted([{ error: pluginError('PROVIDER_SERVER_ERROR') }]);
    const { router, board } = harness([failing], { maxRetries: 2 });
    await caught(() => router.chat(request));
    expect(router.breakerState('@test/provider', 'fake').consecutiveFailures).toBe(3);

    const tooLong = scripted([{ error: pluginError('PROVIDER_CONTEXT_WINDOW_EXCEEDED') }]);
    const second = harness([tooLong], { maxRetries: 2 }, { board });
    for (let i = 0; i < 5; i += 1) {
      const error = await caught(() => second.router.chat(request));
      expect(error.code).toBe('ROKU_CONTEXT_WINDOW_EXCEEDED');
      expect(error.details).toMatchObject({ contextWindow: 100_000, attempts: 1 });
    }
    expect(tooLong.calls).toHaveLength(5);
    expect(second.router.breakerState('@test/provider', 'fake')).toMatchObject({
      status: 'closed',
      consecutiveFailures: 3,
    });
  });
});

describe('streaming', () => {
  it('does not retry once text was shown, so the user never sees it twice', async () => {
    const provider = scripted([
      async (_request, { onEvent }) => {
        onEvent({ type: 'text-delta', text: 'Hel' });
        await Promise.resolve();
        throw pluginError('PROVIDER_SERVER_ERROR');
      },
      { value: reply('Hello') },
    ]);
    const { router, delays } = harness([provider]);
    const seen: ChatStreamEvent[] = [];
    const error = await caught(() => router.chat(request, { onDelta: (e) => seen.push(e) }));
    expect(error.code).toBe('ROKU_PROVIDER_FAILED');
    expect(error.details).toMatchObject({ attempts: 1, partialOutput: true });
    expect(seen).toEqual([{ type: 'text-delta', text: 'Hel' }]);
    expect(provider.calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('does not retry after a tool-call delta either', async () => {
    const provider = scripted([
      (_request, { onEvent }) => {
        onEvent({ type: 'tool-call-delta', index: 0, id: 'c1', name: 'read' });
        return Promise.reject(pluginError('PROVIDER_CONNECTION_FAILED'));
      },
    ]);
    const error = await caught(() => harness([provider]).router.chat(request));
    expect(error.details).toMatchObject({ attempts: 1, partialOutput: true });
  });

  it('still retries when only usage was streamed before the failure', async () => {
    const provider = scripted([
      (_request, { onEvent }) => {
        onEvent({ type: 'usage', usage: { inputTokens: 3, outputTokens: 0 } });
        return Promise.reject(pluginError('PROVIDER_OVERLOADED'));
      },
      { value: reply('ok') },
    ]);
    const seen: ChatStreamEvent[] = [];
    const result = await harness([provider]).router.chat(request, { onDelta: (e) => seen.push(e) });
    expect(result.attempts).toBe(2);
    expect(seen).toEqual([{ type: 'usage', usage: { inputTokens: 3, outputTokens: 0 } }]);
  });

  it('forwards validated events rebuilt from known fields', async () => {
    const provider = scripted([
      (_request, { onEvent }) => {
        onEvent({ type: 'text-delta', text: 'a', extra: true });
        onEvent({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' });
        return Promise.resolve(reply('a'));
      },
    ]);
    const seen: ChatStreamEvent[] = [];
    await harness([provider]).router.chat(request, { onDelta: (e) => seen.push(e) });
    expect(seen).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' },
    ]);
  });
});

describe('cancellation and timeouts', () => {
  it('rethrows the caller abort at once, without retry or breaker count', async () => {
    const controller = new AbortController();
    const provider = scripted([
      (_request, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reject(pluginError('PROVIDER_CONNECTION_FAILED'));
          });
          controller.abort(new Error('user pressed ctrl-C'));
        }),
    ]);
    const { router, delays } = harness([provider]);
    const error = await caught(() => router.chat(request, { signal: controller.signal }));
    expect(error.message).toBe('user pressed ctrl-C');
    expect(provider.calls).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(router.breakerState('@test/provider', 'fake').consecutiveFailures).toBe(0);
  });

  it('stops during the backoff when the caller aborts', async () => {
    const controller = new AbortController();
    const provider = scripted([{ error: pluginError('PROVIDER_RATE_LIMIT') }]);
    const { router } = harness([provider]);
    const error = await caught(() =>
      router.chat(request, {
        signal: controller.signal,
        onRetry: () => {
          controller.abort(new Error('stop'));
        },
      }),
    );
    expect(error.message).toBe('stop');
    expect(provider.calls).toHaveLength(1);
  });

  it('does not call the provider when the signal is already aborted', async () => {
    const provider = scripted([{ value: reply('ok') }]);
    const error = await caught(() =>
      harness([provider]).router.chat(request, { signal: AbortSignal.abort(new Error('gone')) }),
    );
    expect(error.message).toBe('gone');
    expect(provider.calls).toHaveLength(0);
  });

  it('times out an attempt that takes too long, aborting its signal, and retries it', async () => {
    const provider = scripted([() => new Promise(() => undefined)]);
    const { router } = harness([provider], { timeoutMs: 20, maxRetries: 1 });
    const error = await caught(() => router.chat(request));
    expect(error.code).toBe('ROKU_PROVIDER_FAILED');
    expect(error.details).toMatchObject({ providerCode: 'PROVIDER_TIMEOUT', attempts: 2 });
    expect(provider.signals.every((s) => s.aborted)).toBe(true);
  });
});

describe('default timers', () => {
  it('sleeps for real between attempts and stops sleeping on abort', async () => {
    const limited = { error: pluginError('PROVIDER_RATE_LIMIT') };
    const options = {
      policy: { ...DEFAULT_ROUTER_POLICY, initialBackoffMs: 5, timeoutMs: 0 },
      breakers: createBreakerBoard(),
    };
    const quick = createProviderRouter({
      ...options,
      providers: [scripted([limited, { value: reply('ok') }])],
    });
    expect((await quick.chat(request)).attempts).toBe(2);

    const slow = createProviderRouter({
      ...options,
      policy: { ...options.policy, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      providers: [scripted([limited])],
    });
    const controller = new AbortController();
    const error = await caught(() =>
      slow.chat(request, {
        signal: controller.signal,
        onRetry: () => {
          setTimeout(() => {
            controller.abort(new Error('cancelled'));
          }, 10);
        },
      }),
    );
    expect(error.message).toBe('cancelled');
  });
});
