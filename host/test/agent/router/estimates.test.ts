import { describe, expect, it } from 'vitest';
import {
  estimateCostUsd,
  estimateJsonTokens,
  estimateMessageTokens,
  estimateRequestTokens,
  estimateTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from '../../../src/agent/router/index.js';

describe('token estimates', () => {
  it('counts ordinary text at bytes ÷ 4', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world!')).toBe(3);
    expect(estimateTokens('é')).toBe(1);
  });

  it('counts CJK at bytes ÷ 3, about one token per character', () => {
    expect(estimateTokens('你好世界')).toBe(4);
    expect(estimateTokens('こんにちは')).toBe(5);
    expect(estimateTokens('𠀀𠀁')).toBe(3);
  });

  it('counts JSON at bytes ÷ 2', () => {
    expect(estimateJsonTokens({ a: 1 })).toBe(4);
    expect(estimateJsonTokens('[1,2]')).toBe(3);
  });

  it('estimates a request from messages, tool calls and tool definitions', () => {
    const tools = [{ name: 'read', description: 'Reads.', inputSchema: { type: 'object' } }];
    const estimate = estimateRequestTokens({
      messages: [
        { role: 'user', content: 'hello world!' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'read', arguments: { p: 1 } }] },
        { role: 'tool', content: '{"ok":true}', toolCallId: 'c' },
      ],
      tools,
    });
    expect(estimate).toBe(3 * MESSAGE_OVERHEAD_TOKENS + 3 + (1 + 4) + 6 + estimateJsonTokens(tools));
  });

  it('counts each message on its own: a longer conversation costs its earlier estimate plus the new messages', () => {
    const earlier = [
      { role: 'user' as const, content: 'read the file please' },
      {
        role: 'assistant' as const,
        content: '',
        toolCalls: [{ id: 'c', name: 'read', arguments: { p: 1 } }],
      },
    ];
    const added = { role: 'tool' as const, content: '{"text":"contents"}', toolCallId: 'c' };
    const before = estimateRequestTokens({ messages: earlier });
    expect(estimateRequestTokens({ messages: [...earlier, added] })).toBe(
      before + estimateMessageTokens(added),
    );
    // an equal message in another object is estimated the same
    expect(estimateMessageTokens({ ...added })).toBe(estimateMessageTokens(added));
    expect(estimateRequestTokens({ messages: earlier.map((m) => ({ ...m })) })).toBe(before);
  });

  it('stays within 20 % of 1 token per 4 characters for English prose', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
    expect(estimateTokens(prose)).toBe(Math.ceil(prose.length / 4));
  });
});

describe('cost estimates', () => {
  const entry = { costPer1kInputUsd: 0.003, costPer1kOutputUsd: 0.015 };

  it('prices input, output and cache reads at 10 % of the input price', () => {
    const cost = estimateCostUsd(entry, { inputTokens: 2000, outputTokens: 500, cacheReadTokens: 1000 });
    expect(cost).toBeCloseTo((1000 * 0.003 + 1000 * 0.0003 + 500 * 0.015) / 1000, 12);
  });

  it('treats undeclared prices as free and ignores nonsense counts', () => {
    expect(
      estimateCostUsd(
        { costPer1kInputUsd: null, costPer1kOutputUsd: null },
        { inputTokens: 5, outputTokens: 5 },
      ),
    ).toBe(0);
    expect(estimateCostUsd(entry, { inputTokens: 100, outputTokens: -5, cacheReadTokens: 500 })).toBeCloseTo(
      0.00003,
      12,
    );
  });
});
