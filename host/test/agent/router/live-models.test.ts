import { describe, expect, it } from 'vitest';
import { checkLiveModels } from '../../../src/plugins/live-models.js';
import type { PlainJson } from '../../../src/sandbox/safe-json.js';
import { harness, reply, scripted } from './fakes.js';

function withLive(live: ReturnType<typeof checkLiveModels>) {
  if (!live.ok) throw new Error(live.problem);
  const binding = scripted([{ value: reply('ok') }], {
    provider: 'local',
    models: [
      { id: 'declared', contextWindow: 16_000, capabilities: ['streaming', 'tools'] },
      { id: 'small', contextWindow: 4096 },
    ],
  });
  return harness([{ ...binding, live: live.value }]).router;
}

describe('live models merged into the model table', () => {
  it('adds the live-only models and lets the manifest win where both describe a model', () => {
    const router = withLive(
      checkLiveModels(
        [
          { id: 'declared', contextWindow: 999_999, maxOutputTokens: 2048, capabilities: ['vision'] },
          { id: 'live-only', maxOutputTokens: 1000, costPer1kInputUsd: 0.5 },
        ],
        { limit: 500 },
      ),
    );
    const declared = router.resolveModel('local/declared');
    expect(declared).toMatchObject({
      contextWindow: 16_000,
      capabilities: ['streaming', 'tools'],
      maxOutputTokens: 2048,
      source: 'manifest+live',
    });
    // A live model without a window gets the smallest of the manifest's, not a guess that could overflow.
    expect(router.resolveModel('local/live-only')).toMatchObject({
      contextWindow: 4096,
      maxOutputTokens: 1000,
      costPer1kInputUsd: 0.5,
      source: 'live',
    });
    expect(router.resolveModel('local/small').source).toBe('manifest');
  });
});

describe('the check of a provider.models answer', () => {
  const check = (value: PlainJson) => checkLiveModels(value, { limit: 3 });

  it('refuses what is not a list, a list over the limit and a list without one valid model', () => {
    expect(check({ data: [] })).toEqual({ ok: false, problem: 'no list of models' });
    expect(check([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }])).toEqual({
      ok: false,
      problem: 'a list of 4 models, more than the limit of 3',
    });
    const garbage = check([{ id: '../etc' }, 7]);
    expect(garbage.ok).toBe(false);
    expect(garbage.ok ? '' : garbage.problem).toContain('no valid model (model 0: id must be a model id');
  });

  it('drops and names the entries with bad ids, unknown capabilities or numbers out of range, and repeats', () => {
    const checked = check([
      { id: 'ok', contextWindow: 8192, extra: 'ignored' },
      { id: 'ok' },
      { id: 'x', capabilities: ['telepathy'] },
    ]);
    expect(checked).toEqual({
      ok: true,
      value: [{ id: 'ok', contextWindow: 8192 }],
      dropped: [
        'model 1: ok is listed twice',
        expect.stringContaining('model 2: x: capabilities must be distinct known capabilities'),
      ],
    });
    expect(
      check([
        { id: 'p', costPer1kInputUsd: 1e9 },
        { id: 'q', contextWindow: 10 },
      ]),
    ).toMatchObject({
      ok: false,
    });
  });
});
