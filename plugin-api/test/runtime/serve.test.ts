import { describe, expect, it } from 'vitest';
import { PLUGIN_OP_KINDS, PLUGIN_OPS, formatPluginOp } from '../../src/index.js';
import type { PluginDefinition, PluginOpKind } from '../../src/index.js';
import { serve } from '../../src/runtime/index.js';

interface Abi {
  describe(): string;
  call(requestJson: string): Promise<string>;
}

/** Which handlers ran, in order. */
const ran: PluginOpKind[] = [];

/** A plugin that implements every op kind. */
const everything: PluginDefinition = {
  tools: [{ name: 'echo', handler: () => void ran.push('tool') }],
  providers: [
    {
      name: 'p',
      chat: () => {
        ran.push('provider.chat');
        return { message: { role: 'assistant', content: '' }, finishReason: 'stop' };
      },
      models: () => (ran.push('provider.models'), [{ id: 'live' }]),
    },
  ],
  subagentRuntimes: [{ name: 'r', run: () => (ran.push('subagent.run'), 'done') }],
  memorySlot: {
    name: 'm',
    recall: () => (ran.push('memory.recall'), []),
    write: () => void ran.push('memory.write'),
    forget: () => void ran.push('memory.forget'),
    list: () => (ran.push('memory.list'), []),
  },
  contextEngine: {
    name: 'c',
    beforeRequest: () => (ran.push('context.beforeRequest'), { request: { model: 'm', messages: [] } }),
    compact: () => (ran.push('context.compact'), { request: { model: 'm', messages: [] } }),
  },
};

const NAMES: Partial<Record<PluginOpKind, string>> = {
  tool: 'echo',
  'provider.chat': 'p',
  'provider.models': 'p',
  'subagent.run': 'r',
};

serve(everything);
const abi = (globalThis as unknown as { __roku_abi: Abi }).__roku_abi;
const call = async (op: string): Promise<{ ok: boolean; error?: { code: string } }> =>
  JSON.parse(await abi.call(JSON.stringify({ op, input: {}, config: null, callId: 'c1' }))) as {
    ok: boolean;
  };

describe('serve: the dispatch table derived from the ABI op table', () => {
  it('routes every op kind of PLUGIN_OPS to the handler the plugin defined for it', async () => {
    for (const kind of PLUGIN_OP_KINDS) {
      const op = formatPluginOp(kind, PLUGIN_OPS[kind].named ? (NAMES[kind] ?? '') : null);
      const reply = await call(op);
      expect(reply.ok, `${op}: ${JSON.stringify(reply)}`).toBe(true);
      expect(ran.at(-1), op).toBe(kind);
    }
    expect(ran).toHaveLength(PLUGIN_OP_KINDS.length);
  });

  it('answers ROKU_PLUGIN_NO_SUCH_OP for an op the plugin does not implement', async () => {
    expect((await call('tool:nope')).error?.code).toBe('ROKU_PLUGIN_NO_SUCH_OP');
    expect((await call('memory:recall:extra')).error?.code).toBe('ROKU_PLUGIN_NO_SUCH_OP');
  });
});
