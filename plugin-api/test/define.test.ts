import { describe, expect, it } from 'vitest';
import { definePlugin, defineTool } from '../src/index.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('plugin definitions', () => {
  it('returns a valid tool unchanged so its types flow to the handler', async () => {
    const tool = defineTool({ name: 'echo', handler: (input: { text: string }) => input.text.toUpperCase() });
    expect(await tool.handler({ text: 'hi' }, { signal: new AbortController().signal })).toBe('HI');
  });

  it('refuses a tool name the model could not call', () => {
    expect(codeOf(() => defineTool({ name: 'get weather', handler: () => 1 }))).toBe(
      'ROKU_PLUGIN_DEFINITION_INVALID',
    );
  });

  it('refuses a plugin that defines the same tool twice', () => {
    const tool = { name: 'echo', handler: () => 1 };
    expect(codeOf(() => definePlugin({ tools: [tool, tool] }))).toBe('ROKU_PLUGIN_DEFINITION_INVALID');
  });
});
