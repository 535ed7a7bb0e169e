import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createToolCatalog, TOOL_NAME_PATTERN } from '../../../src/agent/catalog/index.js';
import type { DefinitionsInput } from '../../../src/agent/catalog/index.js';
import { NONE, PSEUDO_TOOLS, reversedKeys, shuffled, tool, toolSet } from './fixtures.js';

const base: DefinitionsInput = { planMode: false, loaded: NONE, exclude: NONE, extra: PSEUDO_TOOLS };
const noDeferral = { deferAboveTokens: 0 };

describe('model-visible names', () => {
  it('keeps own names and qualifies a later plugin’s colliding tool, with a warning', () => {
    const catalog = createToolCatalog([tool('@b/files', 'read'), tool('@a/fs', 'read')], noDeferral);
    expect(catalog.all().map((t) => [t.name, t.pluginId, t.toolName])).toEqual([
      ['files__read', '@b/files', 'read'],
      ['read', '@a/fs', 'read'],
    ]);
    expect(catalog.warnings).toEqual([
      "@b/files: tool 'read' is shown to the model as 'files__read' because 'read' is already used by @a/fs",
    ]);
    expect(catalog.get('files__read')?.pluginId).toBe('@b/files');
  });

  it('never gives a plugin tool a pseudo-tool name', () => {
    const names = [
      'final_answer',
      'ask_user',
      'fail',
      'Agent',
      'agent',
      'tool_search',
      'task_create',
      'task_x',
    ];
    const catalog = createToolCatalog(
      names.map((n) => tool('@x/evil', n)),
      noDeferral,
    );
    expect(catalog.all().map((t) => t.name)).toEqual([...names.map((n) => `evil__${n}`)].sort());
    expect(catalog.warnings.every((w) => w.includes('reserved for a built-in pseudo-tool'))).toBe(true);
  });

  it('sanitises invalid names and truncates long qualified names to 64 characters, staying unique', () => {
    const long = 'x'.repeat(64);
    const catalog = createToolCatalog(
      [
        tool('@a/one', long),
        tool('@b/very.long.plugin-name', long),
        tool('@c/very.long.plugin-name', long),
        tool('@d/mcp', 'server.echo'),
      ],
      noDeferral,
    );
    const names = catalog.all().map((t) => t.name);
    expect(names.every((n) => TOOL_NAME_PATTERN.test(n))).toBe(true);
    expect(new Set(names).size).toBe(4);
    expect(names).toContain('mcp__server_echo');
    expect(names).toContain(`very_long_plugin-name__${'x'.repeat(64 - 'very_long_plugin-name__'.length)}`);
    expect(names).toContain(
      `very_long_plugin-name__${'x'.repeat(64 - 'very_long_plugin-name__'.length - 2)}_2`,
    );
  });

  it('assigns the same names whatever the input order', () => {
    const tools = [...toolSet(), tool('@a/dup', 'read_file'), tool('@z/dup', 'read_file')];
    const expected = createToolCatalog(tools, noDeferral).all();
    for (let seed = 1; seed <= 5; seed += 1) {
      expect(createToolCatalog(shuffled(tools, seed), noDeferral).all()).toEqual(expected);
    }
  });
});

describe('definitions', () => {
  it('are sorted by name with keys sorted at every level, frozen and fingerprinted', () => {
    const defs = createToolCatalog(toolSet(), noDeferral).definitions(base);
    expect(defs.specs.map((s) => s.name)).toEqual(
      ['fail', 'fetchUrl', 'final_answer', 'read_file', 'run_command', 'write_file', 'tool_search'].sort(),
    );
    const write = defs.specs.find((s) => s.name === 'write_file');
    expect(Object.keys(write!)).toEqual(['description', 'inputSchema', 'name']);
    expect(Object.keys(write!.inputSchema as object)).toEqual(['properties', 'required', 'type']);
    expect(Object.isFrozen(defs.specs)).toBe(true);
    expect(Object.isFrozen(write!.inputSchema)).toBe(true);
    expect(defs.json).toBe(JSON.stringify(defs.specs));
    expect(defs.fingerprint).toBe(createHash('sha256').update(defs.json).digest('hex'));
  });

  it('are byte-identical across calls, input orders and schema key orders', () => {
    const first = createToolCatalog(toolSet(), noDeferral).definitions(base);
    const again = createToolCatalog(toolSet(), noDeferral).definitions({
      ...base,
      extra: [...PSEUDO_TOOLS].reverse(),
    });
    const reordered = createToolCatalog(
      shuffled(toolSet(), 7).map((t) => ({ ...t, inputSchema: reversedKeys(t.inputSchema) })),
      noDeferral,
    ).definitions({ ...base, extra: PSEUDO_TOOLS.map((s) => reversedKeys(s) as typeof s) });
    expect(again.json).toBe(first.json);
    expect(reordered.json).toBe(first.json);
    expect(reordered.fingerprint).toBe(first.fingerprint);
  });

  it('are the very same object for equal inputs, and rebuilt when an input changes', () => {
    const catalog = createToolCatalog(toolSet(), noDeferral);
    const first = catalog.definitions(base);
    // new Set objects with the same members, as every model call makes them
    expect(catalog.definitions({ ...base, loaded: new Set(), exclude: new Set() })).toBe(first);
    const loaded = catalog.definitions({ ...base, loaded: new Set(['search_web']) });
    expect(loaded).not.toBe(first);
    expect(loaded.specs.map((s) => s.name)).toContain('search_web');
    const planned = catalog.definitions({ ...base, planMode: true });
    expect(planned.specs.map((s) => s.name)).not.toContain('write_file');
    expect(catalog.definitions({ ...base, extra: [] }).specs.map((s) => s.name)).not.toContain(
      'final_answer',
    );
    expect(catalog.definitions(base)).toBe(first);
  });

  it('keep only read-only tools in plan mode', () => {
    const defs = createToolCatalog(toolSet(), noDeferral).definitions({ ...base, extra: [], planMode: true });
    // fetchUrl is read + network, so it is not read-only; search_web is read-only but deferred.
    expect(defs.specs.map((s) => s.name)).toEqual(['read_file', 'tool_search']);
    expect(defs.deferred).toEqual(['search_web']);
  });

  it('leave out excluded tools and pseudo-tools', () => {
    const defs = createToolCatalog(toolSet(), noDeferral).definitions({
      ...base,
      exclude: new Set(['run_command', 'fail']),
    });
    expect(defs.specs.map((s) => s.name)).not.toContain('run_command');
    expect(defs.specs.map((s) => s.name)).not.toContain('fail');
    expect(defs.specs.map((s) => s.name)).toContain('final_answer');
  });

  it('hide deferred tools behind tool_search until they are loaded', () => {
    const catalog = createToolCatalog(toolSet(), noDeferral);
    const hidden = catalog.definitions(base);
    expect(hidden.deferred).toEqual(['search_web']);
    const search = hidden.specs.find((s) => s.name === 'tool_search');
    expect(search?.description).toContain('1 more tool is available');
    expect(search?.inputSchema).toEqual({
      additionalProperties: false,
      properties: {
        limit: { description: 'Most tools to load (default 5).', maximum: 20, minimum: 1, type: 'integer' },
        query: { description: 'Keywords describing what the tool should do.', type: 'string' },
      },
      required: ['query'],
      type: 'object',
    });
    const loaded = catalog.definitions({ ...base, loaded: new Set(['search_web']) });
    expect(loaded.deferred).toEqual([]);
    expect(loaded.specs.map((s) => s.name)).toContain('search_web');
    expect(loaded.specs.map((s) => s.name)).not.toContain('tool_search');
  });

  it('hide the largest tools when the definitions exceed the token threshold, never loaded ones', () => {
    const big = (name: string, size: number) =>
      tool('@big/tools', name, { description: `${name} ${'word '.repeat(size)}` });
    const tools = [big('huge', 4000), big('large', 2000), big('medium', 400), big('small', 10)];
    const all = createToolCatalog(tools, noDeferral).definitions({ ...base, extra: [] });
    expect(all.deferred).toEqual([]);

    const limited = createToolCatalog(tools, { deferAboveTokens: 2000 }).definitions({ ...base, extra: [] });
    expect(limited.deferred).toEqual(['huge', 'large']);
    expect(limited.estimatedTokens).toBeLessThanOrEqual(2000);
    expect(limited.specs.find((s) => s.name === 'tool_search')?.description).toContain(
      '2 more tools are available',
    );

    const keep = createToolCatalog(tools, { deferAboveTokens: 2000 }).definitions({
      ...base,
      extra: [],
      loaded: new Set(['huge']),
    });
    expect(keep.deferred).toEqual(['large', 'medium', 'small']);
    expect(keep.specs.map((s) => s.name)).toEqual(['huge', 'tool_search']);
  });

  it('ignore an extra tool_search spec and repeated extras', () => {
    const defs = createToolCatalog([tool('@a/x', 'x')], noDeferral).definitions({
      ...base,
      extra: [
        ...PSEUDO_TOOLS,
        PSEUDO_TOOLS[0]!,
        { name: 'tool_search', description: 'mine', inputSchema: {} },
      ],
    });
    expect(defs.specs.map((s) => s.name)).toEqual(['fail', 'final_answer', 'x']);
  });
});
