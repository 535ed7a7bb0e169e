import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { testServer } from './support.js';

async function client(): Promise<{ openai: OpenAI; t: Awaited<ReturnType<typeof testServer>> }> {
  const t = await testServer({
    script: [{ match: '^story', text: 'Once upon a time, the end.' }],
    scripted: { chunkChars: 4 },
  });
  return { openai: new OpenAI({ baseURL: `${t.url}/v1`, apiKey: t.token(['chat']), maxRetries: 0 }), t };
}

describe('the OpenAI-compatible facade, with the official openai SDK as the client', () => {
  it('lists models and answers chat completions without streaming, the agent’s tools running server-side', async () => {
    const { openai } = await client();
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['roku', 'scripted/scripted-1']));
    const done = await openai.chat.completions.create({
      model: 'roku',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'echo hello facade' },
      ],
    });
    expect(done.choices[0]?.message.content).toBe('echo returned: {"text":"hello facade"}');
    expect(done.choices[0]?.finish_reason).toBe('stop');
    expect(done.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams chat completions chunk by chunk', async () => {
    const { openai } = await client();
    const stream = await openai.chat.completions.create({
      model: 'scripted/scripted-1',
      messages: [{ role: 'user', content: 'story please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe('Once upon a time, the end.');
    expect(finish).toBe('stop');
    expect(usage).toBeGreaterThan(0);
  });

  it('answers the Responses API with and without streaming, and continues with previous_response_id', async () => {
    const { openai, t } = await client();
    const first = await openai.responses.create({ model: 'roku', input: 'hello there' });
    expect(first.output_text).toBe('You said: hello there');
    const second = await openai.responses.create({
      model: 'roku',
      input: 'story time',
      previous_response_id: first.id,
    });
    expect(second.output_text).toBe('Once upon a time, the end.');
    const runId = second.id.replace(/^resp_/, '');
    const run = (await (await t.call(`/v1/runs/${runId}`)).json()) as { sessionId: string };
    const session = (await (await t.call(`/v1/sessions/${run.sessionId}`)).json()) as { messages: unknown[] };
    expect(session.messages).toHaveLength(4);

    const stream = await openai.responses.create({
      model: 'roku',
      input: [{ role: 'user', content: 'story again' }],
      stream: true,
    });
    let deltas = '';
    let completed = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.completed') {
        const item = event.response.output[0];
        completed =
          item?.type === 'message' && item.content[0]?.type === 'output_text' ? item.content[0].text : '';
      }
    }
    expect(deltas).toBe('Once upon a time, the end.');
    expect(completed).toBe('Once upon a time, the end.');
  });

  it('surfaces a needed approval as an answer naming the ticket, and approving it finishes the run', async () => {
    const { openai, t } = await client();
    const done = await openai.chat.completions.create({
      model: 'roku',
      messages: [{ role: 'user', content: 'write_file {"path":"a.txt","content":"x"}' }],
    });
    const text = done.choices[0]?.message.content ?? '';
    const approvalId = /approvals\/(ap-[\w-]+)\/approve/.exec(text)?.[1];
    expect(text).toContain('Approval needed');
    expect(approvalId).toBeDefined();
    const roku = (done as unknown as { roku: { status: string; approval_id: string } }).roku;
    expect(roku).toMatchObject({ status: 'awaiting_approval', approval_id: approvalId });
    const decided = await t.call(`/v1/approvals/${approvalId}/approve`, { json: { wait: true } });
    expect(decided.status).toBe(200);
    expect(((await decided.json()) as { run: { status: string } }).run.status).toBe('succeeded');
  });

  it('refuses a conversation that does not end with a user message, naming where', async () => {
    const { openai } = await client();
    const err = await openai.chat.completions
      .create({ model: 'roku', messages: [{ role: 'assistant', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('body/messages');
  });
});
