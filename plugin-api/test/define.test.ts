import { describe, expect, it } from 'vitest';
import { definePlugin, defineProvider, defineTool } from '../src/index.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('plugin definitions', () => {
  it('returns a valid tool unchanged so its types flow to the handler', () => {
    const definition = { name: 'echo', handler: (input: { text: string }) => input.text.toUpperCase() };
    expect(defineTool(definition)).toBe(definition);
  });

  it('refuses a provider without a chat function and a duplicate provider name', () => {
    expect(
      codeOf(() => defineProvider({ name: 'p' } as unknown as Parameters<typeof defineProvider>[0])),
    ).toBe('ROKU_PLUGIN_DEFINITION_INVALID');
    const provider = {
      name: 'p',
      chat: () => ({ message: { role: 'assistant' as const, content: '' }, finishReason: 'stop' as const }),
    };
    expect(codeOf(() => definePlugin({ providers: [provider, provider] }))).toBe(
      'ROKU_PLUGIN_DEFINITION_INVALID',
    );
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
