import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import type { ChatMessage, ChatRequest, ChatResponse, ChatStreamEvent, ToolSpec } from '@roku/plugin-api';
import { unusedScriptSteps } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
const OP = 'provider:scripted:chat';
let host: TestHost;
let plugin: TestPlugin;

const echoTool: ToolSpec = {
  name: 'echo',
  description: 'Returns the given text.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};
const weatherTool: ToolSpec = {
  name: 'weather',
  description: 'Weather of a city.',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string' } },
    required: ['city'],
  },
};
const clockTool: ToolSpec = {
  name: 'clock',
  description: 'Current time.',
  inputSchema: { type: 'object', properties: {} },
};

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'scripted-1', messages, ...extra };
}

/** Calls chat and returns the response with the events emitted during this call only. */
async function chat(
  req: ChatRequest,
  config?: unknown,
): Promise<{ response: ChatResponse; events: ChatStreamEvent[] }> {
  const before = plugin.events.length;
  const response = (await plugin.call(OP, req, config)) as unknown as ChatResponse;
  return { response, events: plugin.events.slice(before) as ChatStreamEvent[] };
}

function streamedText(events: ChatStreamEvent[]): string {
  return events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
}

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

describe('the scripted provider without a script', () => {
  it('echoes the last user message, streaming it in chunks with one usage event', async () => {
    const { response, events } = await chat(
      request([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello there, this is a longer message' },
      ]),
      { chunkChars: 8 },
    );
    expect(response.message).toEqual({
      role: 'assistant',
      content: 'You said: hello there, this is a longer message',
    });
    expect(response.finishReason).toBe('stop');
    expect(response.model).toBe('scripted-1');
    expect(streamedText(events)).toBe(response.message.content);
    const deltas = events.filter((e) => e.type === 'text-delta');
    expect(deltas.length).toBe(Math.ceil(response.message.content.length / 8));
    expect(deltas.every((e) => e.text.length <= 8)).toBe(true);
    const usage = events.filter((e) => e.type === 'usage');
    expect(usage).toEqual([{ type: 'usage', usage: response.usage }]);
    expect(usage.at(-1)).toBe(events.at(-1));
  });

  it('still answers when the host takes no stream events for the call', async () => {
    const before = plugin.events.length;
    const value = await plugin.sandbox.call(OP, request([{ role: 'user', content: 'quiet' }]));
    expect(value).toMatchObject({ message: { role: 'assistant', content: 'You said: quiet' } });
    expect(plugin.events).toHaveLength(before);
  });

  it('estimates usage from the characters of the prompt and the answer', async () => {
    const { response } = await chat(request([{ role: 'user', content: 'x'.repeat(400) }]));
    expect(response.usage).toEqual({ inputTokens: 100, outputTokens: Math.ceil(410 / 4) });
    const withTools = await chat(
      request([{ role: 'user', content: 'x'.repeat(400) }], { tools: [echoTool] }),
    );
    expect(withTools.response.usage?.inputTokens).toBeGreaterThan(100);
  });

  it('calls the tool the message starts with, passing the rest as its only required string', async () => {
    const { response, events } = await chat(
      request([{ role: 'user', content: 'echo hi there' }], { tools: [weatherTool, echoTool] }),
    );
    expect(response.finishReason).toBe('tool_calls');
    expect(response.message.toolCalls).toEqual([
      { id: 'call_0_0', name: 'echo', arguments: { text: 'hi there' } },
    ]);
    const deltas = events.filter((e) => e.type === 'tool-call-delta');
    expect(deltas[0]).toMatchObject({ index: 0, id: 'call_0_0', name: 'echo' });
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.length).toBeLessThanOrEqual(2);
    expect(JSON.parse(deltas.map((d) => d.argumentsDelta ?? '').join(''))).toEqual({ text: 'hi there' });
  });

  it('accepts "use <tool>" and "call <tool>", any case, and JSON arguments', async () => {
    const tools = [weatherTool, echoTool, clockTool];
    const json = await chat(
      request([{ role: 'user', content: 'Use Weather {"city":"Oslo","days":2}' }], { tools }),
    );
    expect(json.response.message.toolCalls?.[0]).toMatchObject({
      name: 'weather',
      arguments: { city: 'Oslo', days: 2 },
    });
    const text = await chat(request([{ role: 'user', content: 'call weather Bergen' }], { tools }));
    expect(text.response.message.toolCalls?.[0]?.arguments).toEqual({ city: 'Bergen' });
    const none = await chat(request([{ role: 'user', content: 'clock please' }], { tools }));
    expect(none.response.message.toolCalls?.[0]).toMatchObject({ name: 'clock', arguments: {} });
  });

  it('does not call a tool that is not offered', async () => {
    const { response } = await chat(request([{ role: 'user', content: 'echo hi' }]));
    expect(response.message).toEqual({ role: 'assistant', content: 'You said: echo hi' });
  });

  it('answers a tool result by naming the tool and quoting at most 2000 characters of it', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'echo hi' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_0_0', name: 'echo', arguments: { text: 'hi' } }],
      },
      { role: 'tool', content: 'hi', toolCallId: 'call_0_0' },
    ];
    const { response } = await chat(request(messages, { tools: [echoTool] }));
    expect(response.message.content).toBe('echo returned: hi');
    expect(response.finishReason).toBe('stop');
    const long = await chat(
      request([...messages.slice(0, 2), { role: 'tool', content: 'y'.repeat(5000), toolCallId: 'call_0_0' }]),
    );
    expect(long.response.message.content).toBe(`echo returned: ${'y'.repeat(2000)}`);
  });

  it('numbers its tool call ids by turn so they never repeat within a conversation', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'echo one' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_0_0', name: 'echo', arguments: { text: 'one' } }],
      },
      { role: 'tool', content: 'one', toolCallId: 'call_0_0' },
      { role: 'assistant', content: 'echo returned: one' },
      { role: 'user', content: 'echo two' },
    ];
    const { response } = await chat(request(messages, { tools: [echoTool] }));
    expect(response.message.toolCalls?.[0]?.id).toBe('call_2_0');
    // After compaction fewer assistant messages remain, but ids already handed out are not reused.
    const compacted: ChatMessage[] = [
      { role: 'user', content: '[Conversation summary]\n- ...' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_7_0', name: 'echo', arguments: { text: 'x' } }],
      },
      { role: 'tool', content: 'x', toolCallId: 'call_7_0' },
      { role: 'user', content: 'echo three' },
    ];
    const after = await chat(request(compacted, { tools: [echoTool] }));
    expect(after.response.message.toolCalls?.[0]?.id).toBe('call_8_0');
  });
});

describe('the scripted provider with a script', () => {
  const script = [
    { match: 'weather', toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] },
    { match: 'weather', text: 'It is sunny in Oslo.', usage: { inputTokens: 7, outputTokens: 5 } },
    { match: '^stop early', text: 'Truncated answ', finishReason: 'max_tokens' },
  ];

  it('plays the steps that match the last user message in order of the model calls after it', async () => {
    const first = await chat(request([{ role: 'user', content: "What's the weather?" }]), { script });
    expect(first.response.message.toolCalls).toEqual([
      { id: 'call_0_0', name: 'weather', arguments: { city: 'Oslo' } },
    ]);
    expect(first.response.finishReason).toBe('tool_calls');
    const second = await chat(
      request([
        { role: 'user', content: "What's the weather?" },
        { role: 'assistant', content: '', toolCalls: first.response.message.toolCalls ?? [] },
        { role: 'tool', content: '{"sky":"clear"}', toolCallId: 'call_0_0' },
      ]),
      { script },
    );
    expect(second.response.message.content).toBe('It is sunny in Oslo.');
    expect(second.response.usage).toEqual({ inputTokens: 7, outputTokens: 5 });
    expect(second.events.filter((e) => e.type === 'usage')).toEqual([
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 5 } },
    ]);
  });

  it('falls back to the rules when no step is due, and honours a step finish reason', async () => {
    const other = await chat(request([{ role: 'user', content: 'hello' }]), { script });
    expect(other.response.message.content).toBe('You said: hello');
    const stop = await chat(request([{ role: 'user', content: 'stop early please' }]), { script });
    expect(stop.response).toMatchObject({
      finishReason: 'max_tokens',
      message: { content: 'Truncated answ' },
    });
  });

  it('fails failTimes attempts with the step error, then answers, counting per session', async () => {
    const flaky = {
      script: [
        {
          match: 'flaky',
          error: { code: 'PROVIDER_RATE_LIMIT', message: 'slow down', retryAfterMs: 250 },
          failTimes: 2,
          text: 'finally',
        },
      ],
    };
    const req = request([{ role: 'user', content: 'flaky request' }], { sessionId: 'session-a' });
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(plugin.call(OP, req, flaky)).rejects.toMatchObject({
        code: 'ROKU_PLUGIN_FAILED',
        details: { pluginCode: 'PROVIDER_RATE_LIMIT', retryAfterMs: 250 },
      });
    }
    expect((await chat(req, flaky)).response.message.content).toBe('finally');
    // Another session has its own count.
    await expect(plugin.call(OP, { ...req, sessionId: 'session-b' }, flaky)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_RATE_LIMIT' },
    });
  });

  it('always fails with an error step that has no failTimes, and uses the rules after failTimes without text', async () => {
    const down = { script: [{ error: { code: 'PROVIDER_OVERLOADED', message: 'overloaded' } }] };
    const req = request([{ role: 'user', content: 'anything' }]);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(plugin.call(OP, req, down)).rejects.toMatchObject({
        message: expect.stringContaining('overloaded') as unknown,
        details: { pluginCode: 'PROVIDER_OVERLOADED' },
      });
    }
    const once = { script: [{ error: { code: 'PROVIDER_SERVER_ERROR', message: 'boom' }, failTimes: 1 }] };
    const echo = request([{ role: 'user', content: 'echo hi' }], { tools: [echoTool], sessionId: 'once' });
    await expect(plugin.call(OP, echo, once)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_SERVER_ERROR' },
    });
    expect((await chat(echo, once)).response.message.toolCalls?.[0]).toMatchObject({
      arguments: { text: 'hi' },
    });
  });

  it('returns a malformed response when a step asks for one', async () => {
    const value = await plugin.call(OP, request([{ role: 'user', content: 'x' }]), {
      script: [{ malformed: true }],
    });
    expect(value).toEqual({ message: 42 });
  });

  it('still streams every delta of a delayed answer', async () => {
    const { response, events } = await chat(request([{ role: 'user', content: 'slow' }]), {
      script: [{ text: 'one two three', delayMs: 30 }],
      chunkChars: 4,
    });
    expect(response.message.content).toBe('one two three');
    expect(streamedText(events)).toBe('one two three');
  });

  it('refuses a script whose match pattern does not compile, naming the step', async () => {
    await expect(
      plugin.call(OP, request([{ role: 'user', content: 'x' }]), {
        script: [{ text: 'ok' }, { match: '(' }],
      }),
    ).rejects.toMatchObject({
      details: { pluginCode: 'ROKU_SCRIPTED_BAD_SETTINGS' },
      message: expect.stringContaining('script[1].match') as unknown,
    });
  });
});

describe('the scripted provider in strict mode', () => {
  const strict = {
    strict: true,
    script: [
      { match: 'weather', toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] },
      { match: 'weather', text: 'It is sunny in Oslo.' },
      { match: 'forgotten', text: 'never asked for' },
    ],
  };
  const asked = request([{ role: 'user', content: 'weather in Oslo?' }]);
  const answered: ChatRequest = request([
    { role: 'user', content: 'weather in Oslo?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_0_0', name: 'weather', arguments: {} }] },
    { role: 'tool', content: '{"sky":"clear"}', toolCallId: 'call_0_0' },
  ]);

  it('answers from the script, and lists the steps no request used', async () => {
    expect((await chat(asked, strict)).response.message.toolCalls?.[0]?.name).toBe('weather');
    expect(unusedScriptSteps(host.home)).toEqual([
      'script[1] {"match":"weather","text":"It is sunny in Oslo."}',
      'script[2] {"match":"forgotten","text":"never asked for"}',
    ]);
    expect((await chat(answered, strict)).response.message.content).toBe('It is sunny in Oslo.');
    expect(unusedScriptSteps(host.home)).toEqual([
      'script[2] {"match":"forgotten","text":"never asked for"}',
    ]);
  });

  it('fails a request no step answers, naming its user message and model call, instead of using the rules', async () => {
    await expect(
      plugin.call(OP, request([{ role: 'user', content: 'hello' }]), strict),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'ROKU_SCRIPTED_UNEXPECTED_REQUEST' },
      message: expect.stringContaining(
        'no step for model call 1 after the user message "hello" (0 steps fit it)',
      ) as unknown,
    });
    const third = request([
      ...answered.messages,
      { role: 'assistant', content: 'It is sunny in Oslo.' },
      { role: 'tool', content: 'late', toolCallId: 'call_0_0' },
    ]);
    await expect(plugin.call(OP, third, strict)).rejects.toMatchObject({
      message: expect.stringContaining(
        'no step for model call 3 after the user message "weather in Oslo?" (2 steps fit it)',
      ) as unknown,
    });
    // Without strict the same request is answered by the rules.
    expect(
      (await chat(request([{ role: 'user', content: 'hello' }]), { script: strict.script })).response.message
        .content,
    ).toBe('You said: hello');
  });
});
