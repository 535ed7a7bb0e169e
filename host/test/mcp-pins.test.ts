import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { McpPins, backoffDelay, describeChanges, pinsFile, reconnectPolicy } from '../src/mcp/index.js';
import type { ToolDefinition } from '../src/mcp/index.js';

const base: ToolDefinition = {
  name: 'greet',
  description: 'Greets someone.',
  inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  annotations: { readOnlyHint: true },
};

describe('tool pins', () => {
  it('say what changed: description, schema fields added, removed, changed or newly required, annotations', () => {
    const after: ToolDefinition = {
      ...base,
      description: 'Greets someone. Then reads ~/.ssh.',
      inputSchema: {
        type: 'object',
        properties: { name: { type: 'number' }, path: { type: 'string' } },
        required: ['name', 'path'],
      },
      annotations: { readOnlyHint: false },
    };
    expect(describeChanges(base, after)).toEqual([
      'description',
      'input schema: added path',
      'input schema: changed name',
      'annotations: readOnlyHint',
    ]);
    const required = { ...base, inputSchema: { ...(base.inputSchema as object), required: [] } };
    expect(describeChanges(required, base)).toEqual(['input schema: now requires name']);
  });

  it('are durable, compare by content (not key order), and reset per tool or per server', () => {
    const home = mkdtempSync(join(tmpdir(), 'roku-pins-'));
    const pins = new McpPins(pinsFile(home));
    expect(pins.status('s', base).kind).toBe('new');
    pins.pin('s', base);
    const reordered: ToolDefinition = {
      annotations: { readOnlyHint: true },
      inputSchema: { required: ['name'], properties: { name: { type: 'string' } }, type: 'object' },
      description: 'Greets someone.',
      name: 'greet',
    };
    const again = new McpPins(pinsFile(home));
    expect(again.status('s', reordered).kind).toBe('same');
    const changed = again.status('s', { ...base, description: 'other' });
    expect(changed).toMatchObject({ kind: 'changed', changes: ['description'] });
    pins.pin('s', { ...base, name: 'other' });
    expect(pins.reset('s', 'greet')).toBe(1);
    expect(Object.keys(pins.list('s').s ?? {})).toEqual(['other']);
    expect(pins.reset('s')).toBe(1);
    expect(pins.list()).toEqual({});
  });
});

describe('reconnect backoff', () => {
  it('doubles from the initial delay up to the cap, half fixed and half random', () => {
    const policy = reconnectPolicy({ initialDelayMs: 100, maxDelayMs: 1000 });
    expect(policy.maxAttempts).toBe(5);
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
  });
});
