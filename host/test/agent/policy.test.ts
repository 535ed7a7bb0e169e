import { describe, expect, it } from 'vitest';
import { callDigest, classifyCall } from '../../src/agent/approvals/policy.js';

const base = { denyPatterns: [], autoApprove: false, alwaysAllowed: new Set<string>() };

describe('approval policy', () => {
  it('digests the canonical call: key order does not matter, a __proto__ key does', () => {
    expect(callDigest('write_file', { path: 'a', content: 'b' })).toBe(
      callDigest('write_file', { content: 'b', path: 'a' }),
    );
    expect(callDigest('write_file', { path: 'a' })).toMatch(/^[0-9a-f]{64}$/);
    expect(callDigest('t', JSON.parse('{"__proto__":{"x":1}}'))).not.toBe(callDigest('t', {}));
    expect(callDigest('a', {})).not.toBe(callDigest('b', {}));
  });

  it('runs read-only tools, asks for others and for untagged ones, and lets deny patterns win over auto-approve', () => {
    expect(classifyCall({ ...base, tool: 'read_file', args: {}, risk: ['read'] }).kind).toBe('run');
    expect(classifyCall({ ...base, tool: 'fetch', args: {}, risk: ['read', 'network'] }).kind).toBe('ask');
    expect(classifyCall({ ...base, tool: 'mystery', args: {}, risk: undefined }).kind).toBe('ask');
    expect(
      classifyCall({
        ...base,
        tool: 'write_file',
        args: {},
        risk: ['write'],
        alwaysAllowed: new Set(['write_file']),
      }).kind,
    ).toBe('run');
    const deny = { ...base, denyPatterns: [/secret/], autoApprove: true };
    expect(
      classifyCall({ ...deny, tool: 'write_file', args: { path: 'secret.txt' }, risk: ['write'] }).kind,
    ).toBe('deny');
    expect(
      classifyCall({ ...deny, tool: 'write_file', args: { path: 'ok.txt' }, risk: ['write'] }).kind,
    ).toBe('run');
  });
});
