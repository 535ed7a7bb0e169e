import { describe, expect, it } from 'vitest';
import { createBreakerBoard } from '../../../src/agent/router/index.js';
import { caught, harness, reply, scripted } from './fakes.js';

/** Spec check 46: primary A is cheap with a small window, fallback B dearer with a large one. */
function twoModels() {
  const a = scripted([{ value: reply('a') }], {
    pluginId: '@test/anthropic',
    provider: 'anthropic',
    models: [{ id: 'primary', contextWindow: 8000, costPer1kInputUsd: 0.001, costPer1kOutputUsd: 0.002 }],
  });
  const b = scripted([{ value: reply('b') }], {
    pluginId: '@test/openrouter',
    provider: 'openrouter',
    models: [
      {
        id: 'vendor/fallback',
        contextWindow: 100_000,
        maxOutputTokens: 4096,
        capabilities: ['tools'],
        costPer1kInputUsd: 0.01,
        costPer1kOutputUsd: 0.03,
      },
    ],
  });
  return [a, b];
}

describe('model table', () => {
  it('lists every model by ref with its manifest data', () => {
    const { router } = harness(twoModels());
    expect(router.models()).toEqual([
      {
        ref: 'anthropic/primary',
        pluginId: '@test/anthropic',
        provider: 'anthropic',
        modelId: 'primary',
        contextWindow: 8000,
        maxOutputTokens: null,
        capabilities: [],
        costPer1kInputUsd: 0.001,
        costPer1kOutputUsd: 0.002,
        source: 'manifest',
      },
      {
        ref: 'openrouter/vendor/fallback',
        pluginId: '@test/openrouter',
        provider: 'openrouter',
        modelId: 'vendor/fallback',
        contextWindow: 100_000,
        maxOutputTokens: 4096,
        capabilities: ['tools'],
        costPer1kInputUsd: 0.01,
        costPer1kOutputUsd: 0.03,
        source: 'manifest',
      },
    ]);
  });

  it('resolves full refs and bare model ids, including ids with slashes', () => {
    const { router } = harness(twoModels());
    expect(router.resolveModel('anthropic/primary').modelId).toBe('primary');
    expect(router.resolveModel('primary').ref).toBe('anthropic/primary');
    expect(router.resolveModel('vendor/fallback').ref).toBe('openrouter/vendor/fallback');
  });

  it('refuses an ambiguous bare id and lists the refs to choose from', () => {
    const models = [{ id: 'shared', contextWindow: 1000 }];
    const { router } = harness([
      scripted([], { pluginId: '@x/one', provider: 'one', models }),
      scripted([], { pluginId: '@x/two', provider: 'two', models }),
    ]);
    expect(() => router.resolveModel('shared')).toThrow(
      expect.objectContaining({
        code: 'ROKU_MODEL_NOT_FOUND',
        message: "model 'shared' is offered by several providers; name one of: one/shared, two/shared",
        details: { model: 'shared', candidates: ['one/shared', 'two/shared'] },
      }),
    );
  });

  it('suggests the nearest model for a typo', () => {
    const { router } = harness(twoModels());
    expect(() => router.resolveModel('anthropic/primery')).toThrow(
      expect.objectContaining({
        code: 'ROKU_MODEL_NOT_FOUND',
        message: expect.stringContaining("did you mean 'anthropic/primary'") as string,
      }),
    );
  });

  it('qualifies a provider name that two plugins use, whatever their order', () => {
    const models = [{ id: 'm', contextWindow: 1000 }];
    const first = scripted([], { pluginId: '@a/openai', provider: 'openai', models });
    const second = scripted([], { pluginId: '@b/openai-compatible', provider: 'openai', models });
    for (const order of [
      [first, second],
      [second, first],
    ]) {
      const { router } = harness(order);
      expect(router.models().map((m) => m.ref)).toEqual(['openai-compatible:openai/m', 'openai/m']);
      expect(router.warnings).toEqual([
        "@b/openai-compatible: provider name 'openai' is also used by @a/openai; its models are named 'openai-compatible:openai/<model>'",
      ]);
    }
  });

  it('raises ROKU_NO_PROVIDER when no provider is loaded', async () => {
    const { router } = harness([]);
    expect(() => router.select({ estimatedPromptTokens: 1, expectedOutputTokens: 1 })).toThrow(
      expect.objectContaining({ code: 'ROKU_NO_PROVIDER' }),
    );
    expect((await caught(() => router.chat({ model: 'x/y', messages: [] }))).code).toBe('ROKU_NO_PROVIDER');
  });
});

describe('model selection', () => {
  it('picks the cheapest model that fits', () => {
    const { router } = harness(twoModels());
    expect(router.select({ estimatedPromptTokens: 3000, expectedOutputTokens: 1000 }).ref).toBe(
      'anthropic/primary',
    );
  });

  it("falls back to B when the primary's window is too small (check 46)", () => {
    const { router } = harness(twoModels());
    expect(router.select({ estimatedPromptTokens: 9000, expectedOutputTokens: 1000 }).ref).toBe(
      'openrouter/vendor/fallback',
    );
  });

  it('raises ROKU_NO_ELIGIBLE_MODEL with a reason per model when nothing fits', () => {
    const { router } = harness(twoModels());
    expect(() => router.select({ estimatedPromptTokens: 150_000, expectedOutputTokens: 1000 })).toThrow(
      expect.objectContaining({
        code: 'ROKU_NO_ELIGIBLE_MODEL',
        details: {
          neededTokens: 151_000,
          reasons: [
            {
              ref: 'anthropic/primary',
              reason: expect.stringContaining('context window of 8000 tokens') as string,
            },
            {
              ref: 'openrouter/vendor/fallback',
              reason: expect.stringContaining('context window of 100000 tokens') as string,
            },
          ],
        },
      }),
    );
  });

  it('uses an explicit model that fits, even a dearer one', () => {
    const { router } = harness(twoModels());
    const picked = router.select({
      model: 'vendor/fallback',
      estimatedPromptTokens: 10,
      expectedOutputTokens: 10,
    });
    expect(picked.ref).toBe('openrouter/vendor/fallback');
  });

  it('never silently replaces an explicit model that does not fit', () => {
    const { router } = harness(twoModels());
    expect(() =>
      router.select({ model: 'anthropic/primary', estimatedPromptTokens: 9000, expectedOutputTokens: 1000 }),
    ).toThrow(
      expect.objectContaining({
        code: 'ROKU_NO_ELIGIBLE_MODEL',
        message:
          'model anthropic/primary cannot take this request: its context window of 8000 tokens is smaller than the about 10000 tokens the request needs (prompt 9000 + output 1000)',
      }),
    );
  });

  it('skips a provider whose breaker is open, and takes it back after the cooldown', () => {
    const board = createBreakerBoard();
    const { router, clock } = harness(twoModels(), {}, { board });
    for (let i = 0; i < 4; i += 1) {
      board.fail('@test/anthropic', 'anthropic', { threshold: 4, cooldownMs: 30_000 }, clock.now);
    }
    expect(router.select({ estimatedPromptTokens: 10, expectedOutputTokens: 10 }).ref).toBe(
      'openrouter/vendor/fallback',
    );
    clock.now += 30_000;
    expect(router.select({ estimatedPromptTokens: 10, expectedOutputTokens: 10 }).ref).toBe(
      'anthropic/primary',
    );
  });

  it('orders models of equal cost by ref', () => {
    const models = [
      { id: 'zeta', contextWindow: 1000 },
      { id: 'alpha', contextWindow: 1000 },
    ];
    const { router } = harness([scripted([], { models })]);
    expect(router.select({ estimatedPromptTokens: 1, expectedOutputTokens: 1 }).ref).toBe('fake/alpha');
  });
});
