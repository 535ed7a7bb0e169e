import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import {
  cacheBaseline,
  detectCacheBreak,
  writeCacheBreakDiagnostic,
} from '../../../src/agent/router/index.js';

const request = {
  model: 'anthropic/claude-sonnet-4-6',
  messages: [
    { role: 'system' as const, content: 'You are Roku.' },
    { role: 'user' as const, content: 'hi' },
  ],
  tools: [{ name: 'read_file', description: 'Reads a file.', inputSchema: { type: 'object' } }],
};
const at = (tokens: number, changes: Partial<typeof request> = {}, model = request.model) =>
  cacheBaseline({ ...request, ...changes }, model, tokens);

describe('cache-break detector (spec §2.11)', () => {
  it('reports a fall above 5 % and 2000 tokens, and nothing below either threshold', () => {
    expect(detectCacheBreak(at(50_000), at(10_000), false)).toMatchObject({
      tokensLost: 40_000,
      componentChanged: 'unknown',
    });
    expect(detectCacheBreak(at(50_000), at(48_500), false)).toBeUndefined();
    // 2100 tokens but under 5 % of 100000
    expect(detectCacheBreak(at(100_000), at(97_900), false)).toBeUndefined();
    // 10 % but only 1000 tokens
    expect(detectCacheBreak(at(10_000), at(9_000), false)).toBeUndefined();
    expect(detectCacheBreak(undefined, at(0), false)).toBeUndefined();
  });

  it('resets instead of comparing right after a compaction', () => {
    expect(detectCacheBreak(at(50_000), at(1_000), true)).toBeUndefined();
  });

  it('names what changed: the model, the system prompt or the tool definitions', () => {
    expect(detectCacheBreak(at(50_000), at(0, {}, 'anthropic/claude-haiku'), false)?.componentChanged).toBe(
      'model',
    );
    const system = {
      messages: [{ role: 'system' as const, content: 'You are someone else.' }, request.messages[1]!],
    };
    expect(detectCacheBreak(at(50_000), at(0, system), false)?.componentChanged).toBe('system_prompt');
    expect(detectCacheBreak(at(50_000), at(0, { tools: [] }), false)?.componentChanged).toBe('tool_schema');
  });

  it('writes a diagnostic file with the reason, tokens lost and component', () => {
    const dir = tempDir('cache-break');
    const found = detectCacheBreak(at(50_000), at(10_000), false);
    if (found === undefined) throw new Error('expected a break');
    const path = writeCacheBreakDiagnostic(dir, found, at(50_000), at(10_000), {
      runId: 'r1',
      sessionId: 's1',
      step: 2,
    });
    expect(existsSync(path)).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('tokens_lost: 40000');
    expect(text).toContain('component_changed: unknown');
    expect(text).toContain('run: r1');
  });
});
