import { describe, expect, it } from 'vitest';
import { createSchemaFreezer, createToolCatalog } from '../../../src/agent/catalog/index.js';
import type { DefinitionsInput } from '../../../src/agent/catalog/index.js';
import { PSEUDO_TOOLS, toolSet } from './fixtures.js';

const input = (over: Partial<DefinitionsInput> = {}): DefinitionsInput => ({
  planMode: false,
  loaded: new Set(),
  exclude: new Set(),
  extra: PSEUDO_TOOLS,
  ...over,
});

describe('schema freezer', () => {
  it('returns the very same definitions until an input changes', () => {
    const catalog = createToolCatalog(toolSet(), { deferAboveTokens: 0 });
    const freezer = createSchemaFreezer();
    const first = freezer.freeze(catalog, input());
    expect(first).toMatchObject({ refrozen: true, reason: 'initial' });
    // New but equal sets and extras: nothing changed.
    const second = freezer.freeze(catalog, input({ extra: PSEUDO_TOOLS.map((s) => ({ ...s })) }));
    expect(second).toEqual({ definitions: first.definitions, refrozen: false, reason: null });
    expect(second.definitions).toBe(first.definitions);
    expect(freezer.current()).toBe(first.definitions);
  });

  it('re-freezes on a plan-mode toggle and on loading a deferred tool', () => {
    const catalog = createToolCatalog(toolSet(), { deferAboveTokens: 0 });
    const freezer = createSchemaFreezer();
    const normal = freezer.freeze(catalog, input()).definitions;
    const plan = freezer.freeze(catalog, input({ planMode: true }));
    expect(plan).toMatchObject({ refrozen: true, reason: 'plan-mode' });
    expect(plan.definitions.json).not.toBe(normal.json);
    const loaded = freezer.freeze(catalog, input({ planMode: true, loaded: new Set(['search_web']) }));
    expect(loaded).toMatchObject({ refrozen: true, reason: 'loaded' });
    expect(loaded.definitions.specs.map((s) => s.name)).toContain('search_web');
  });

  it('keeps the old object when a change leaves the bytes equal', () => {
    const freezer = createSchemaFreezer();
    const first = freezer.freeze(createToolCatalog(toolSet(), { deferAboveTokens: 0 }), input());
    // Loading a tool that is visible anyway, or a new catalog of the same tools (snapshot swap).
    const loaded = freezer.freeze(
      createToolCatalog(toolSet(), { deferAboveTokens: 0 }),
      input({ loaded: new Set(['read_file']) }),
    );
    expect(loaded).toEqual({ definitions: first.definitions, refrozen: false, reason: 'catalog' });
  });

  it('re-freezes on an exclude change and after reset', () => {
    const catalog = createToolCatalog(toolSet(), { deferAboveTokens: 0 });
    const freezer = createSchemaFreezer();
    freezer.freeze(catalog, input());
    expect(freezer.freeze(catalog, input({ exclude: new Set(['fail']) }))).toMatchObject({
      refrozen: true,
      reason: 'exclude',
    });
    freezer.reset();
    expect(freezer.current()).toBeUndefined();
    expect(freezer.freeze(catalog, input())).toMatchObject({ refrozen: true, reason: 'initial' });
  });
});
