import { describe, expect, it } from 'vitest';
import type { PluginManifest } from '@roku/schemas';
import { unknownOp } from '../../src/sandbox/known-ops.js';

const manifest = (contributes: Record<string, unknown>): PluginManifest =>
  ({ id: '@test/p', version: '1.0.0', contributes }) as unknown as PluginManifest;

describe('operations a sandbox accepts', () => {
  const full = manifest({
    tools: [{ name: 'echo' }],
    providers: [{ name: 'p' }],
    subagentRuntimes: [{ name: 'r' }],
    memorySlot: { name: 'm' },
    contextEngine: { name: 'c' },
  });

  it('accepts every op of what the manifest declares', () => {
    for (const op of [
      'tool:echo',
      'provider:p:chat',
      'subagent:r:run',
      'memory:recall',
      'memory:write',
      'memory:forget',
      'memory:list',
      'context:beforeRequest',
      'context:compact',
    ]) {
      expect(unknownOp(full, op), op).toBeUndefined();
    }
  });

  it('says which contribution is missing for anything else', () => {
    const none = manifest({ tools: [{ name: 'echo' }] });
    expect(unknownOp(none, 'tool:nope')).toBe("no tool 'nope' (tools: echo)");
    expect(unknownOp(none, 'tool:echo:x')).toBe("no tool 'echo' (tools: echo)");
    expect(unknownOp(none, 'provider:p:chat')).toBe("no provider operation 'provider:p:chat'");
    expect(unknownOp(full, 'provider:p:stream')).toBe("no provider operation 'provider:p:stream'");
    expect(unknownOp(none, 'subagent:r:run')).toBe("no subagent runtime 'r'");
    expect(unknownOp(none, 'memory:recall')).toBe("no memory operation 'memory:recall'");
    expect(unknownOp(full, 'memory:bogus')).toBe("no memory operation 'memory:bogus'");
    expect(unknownOp(none, 'context:compact')).toBe("no context-engine hook 'context:compact'");
    expect(unknownOp(full, 'shell:run')).toBe("unknown operation 'shell:run'");
  });
});
