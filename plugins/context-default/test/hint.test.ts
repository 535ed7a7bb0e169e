import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import type { ChatMessage, ContextInput, ContextResult } from '@roku/plugin-api';
import { estimateTokens } from '../src/estimate.js';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

const system: ChatMessage = { role: 'system', content: 'You are a coding agent.' };

/** `turns` turns of a question, a tool call, its 400-character result and an answer. */
function conversation(turns: number): ChatMessage[] {
  const out: ChatMessage[] = [system];
  for (let n = 0; n < turns; n++) {
    const id = `call_${n}`;
    out.push(
      { role: 'user', content: `question ${n} ${'lorem ipsum '.repeat(20)}` },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id, name: 'read_file', arguments: { path: `f${n}` } }],
      },
      { role: 'tool', content: `contents ${'dolor sit amet '.repeat(28)}`, toolCallId: id },
      { role: 'assistant', content: `answer ${n} ${'lorem ipsum '.repeat(20)}` },
    );
  }
  return out;
}

async function beforeRequest(messages: ChatMessage[], contextWindow: number): Promise<ContextResult> {
  const input: ContextInput = {
    request: { model: 'm', messages, sessionId: `hint-${String(Math.random())}` },
    contextWindow,
    compactThresholdRatio: 0.75,
    sessionId: `hint-${String(Math.random())}`,
  };
  return (await plugin.call('context:beforeRequest', input)) as unknown as ContextResult;
}

describe('the hint that lets the host skip calls', () => {
  it('is sent under both marks, counted at the largest calibration scale and twice per host token', async () => {
    const messages = conversation(5);
    const { request, hint } = await beforeRequest(messages, 100_000);
    expect(hint).toBeDefined();
    // mid water (0.6 × window) is the lower mark; the output is counted at scale 2, each host token as 4
    const room = 60_000 - estimateTokens(request.messages) * 2 - 1;
    expect(hint?.addedTokens).toBe(Math.floor(room / 4));
    // three or more large results: the next one would clear another, so none may be added
    expect(hint?.addedToolResults).toBe(0);
  });

  it('allows as many new tool results as leave microcompaction with nothing new to clear', async () => {
    expect((await beforeRequest(conversation(1), 100_000)).hint?.addedToolResults).toBe(2);
    expect((await beforeRequest(conversation(0), 100_000)).hint?.addedToolResults).toBe(3);
  });

  it('is not sent over mid water, nor by a forced compaction', async () => {
    const messages = conversation(40);
    const tight = Math.ceil(estimateTokens(messages) / 0.6);
    expect((await beforeRequest(messages, tight)).hint).toBeUndefined();
    const forced = (await plugin.call('context:compact', {
      request: { model: 'm', messages: conversation(2) },
      contextWindow: 100_000,
      compactThresholdRatio: 0.75,
      force: true,
    })) as unknown as ContextResult;
    expect(forced.hint).toBeUndefined();
  });
});
