import { describe, expect, it } from 'vitest';
import { PLUGIN_OPS, PLUGIN_OP_KINDS, parsePluginOp, pluginOp } from '../src/index.js';

describe('plugin operations of the ABI', () => {
  it('spells each op kind as the wire expects', () => {
    expect(pluginOp('tool', 'read_file')).toBe('tool:read_file');
    expect(pluginOp('provider.chat', 'openai')).toBe('provider:openai:chat');
    expect(pluginOp('subagent.run', 'explorer')).toBe('subagent:explorer:run');
    expect(pluginOp('memory.recall')).toBe('memory:recall');
    expect(pluginOp('memory.write')).toBe('memory:write');
    expect(pluginOp('context.beforeRequest')).toBe('context:beforeRequest');
    expect(pluginOp('context.compact')).toBe('context:compact');
  });

  it('reads back every kind it builds, with its contribution name', () => {
    for (const kind of PLUGIN_OP_KINDS) {
      const named = PLUGIN_OPS[kind].named;
      const op = named ? pluginOp(kind as 'tool', 'x1') : pluginOp(kind as 'memory.recall');
      expect(parsePluginOp(op)).toEqual({ kind, name: named ? 'x1' : null, op });
    }
  });

  it('reads nothing from strings that are not operations', () => {
    for (const op of [
      '',
      'tool',
      'tool:',
      'tool:a:b',
      'provider:p',
      'provider:p:stream',
      'memory:recall:x',
      'memory:bogus',
      'context:after',
      'subagent::run',
      'nope:x',
    ]) {
      expect(parsePluginOp(op), op).toBeUndefined();
    }
  });
});
