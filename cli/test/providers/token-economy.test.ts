/**
 * The token economy on real wire formats (spec §7.4–7.6, checks 37, 38, 40): cache-break detection, output-slot
 * escalation, time to first token, with the providers installed from the embedded registry.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicFrames, responsesFrames, startWireServer } from '@roku/test-support';
import type { WireServer, WireTurn } from '@roku/test-support';
import { providerCli } from './helpers.js';
import type { ProviderCli } from './helpers.js';

const ANTHROPIC = '@roku/plugin-provider-anthropic';
const OPENAI = '@roku/plugin-provider-openai';
const CLAUDE = ['--model', 'anthropic/claude-sonnet-4-6'];

let claude: WireServer;
let openai: WireServer;
let cli: ProviderCli;

const readTool = (cacheRead: number): WireTurn => ({
  toolCalls: [{ id: `toolu_${cacheRead}`, name: 'read_file', args: ['{"path":"notes.txt"}'] }],
  usage: { input: 10, output: 5, cacheRead },
});
const answer = (cacheRead: number, text = 'Done.'): WireTurn => ({
  text: [text],
  usage: { input: 10, output: 5, cacheRead },
});

beforeAll(async () => {
  claude = await startWireServer(() => ({ kind: 'sse', frames: anthropicFrames(answer(0)) }));
  openai = await startWireServer(() => ({ kind: 'sse', frames: responsesFrames(answer(0)) }));
  cli = await providerCli(
    [ANTHROPIC, OPENAI, '@roku/plugin-toolset-fs'],
    { [ANTHROPIC]: { baseURL: claude.origin }, [OPENAI]: { baseURL: `${openai.origin}/v1` } },
    { [ANTHROPIC]: { network: [claude.origin] }, [OPENAI]: { network: [openai.origin] } },
  );
  writeFileSync(join(cli.workspace, 'notes.txt'), 'some notes');
});

const env = { ANTHROPIC_API_KEY: 'sk-ant-k', OPENAI_API_KEY: 'sk-k' };

describe('cache-break detection (check 38)', () => {
  it('reports a fall from 50000 to 10000 cached tokens between turns, with a diagnostic file', async () => {
    claude.enqueue(
      { kind: 'sse', frames: anthropicFrames(readTool(50_000)) },
      { kind: 'sse', frames: anthropicFrames(answer(10_000)) },
    );
    const r = await cli.runJson('read my notes', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    const found = r.events.filter((e) => e.type === 'CacheBreakDetected');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ tokens_lost: 40_000, component_changed: 'unknown' });
    const path = String(found[0]?.diagnostic_path);
    expect(path.startsWith(join(cli.home, 'diagnostics', 'cache-break-'))).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('tokens_lost: 40000');
  });

  it('ignores a fall of 3 % (1500 tokens)', async () => {
    claude.enqueue(
      { kind: 'sse', frames: anthropicFrames(readTool(50_000)) },
      { kind: 'sse', frames: anthropicFrames(answer(48_500)) },
    );
    const r = await cli.runJson('read my notes', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.type === 'CacheBreakDetected')).toEqual([]);
  });

  it('ignores a large fall right after a compaction', async () => {
    claude.enqueue(
      { kind: 'sse', frames: anthropicFrames(readTool(50_000)) },
      {
        kind: 'json',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } },
      },
      { kind: 'sse', frames: anthropicFrames(answer(1_000)) },
    );
    const r = await cli.runJson('read my notes', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.type)).toContain('ReactiveCompactTriggered');
    expect(r.events.filter((e) => e.type === 'CacheBreakDetected')).toEqual([]);
  });
});

describe('one cache marker per request (check 40)', () => {
  it('puts exactly one cache_control on the last content block of the last message of every request', async () => {
    claude.enqueue(
      { kind: 'sse', frames: anthropicFrames(readTool(0)) },
      { kind: 'sse', frames: anthropicFrames(answer(0)) },
    );
    const before = claude.requests.length;
    const r = await cli.runJson('read my notes', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    const bodies = claude.requests
      .slice(before)
      .map((q) => q.json as { messages: { content: Record<string, unknown>[] }[] });
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(JSON.stringify(body).split('"cache_control"')).toHaveLength(2);
      const lastMessage = body.messages[body.messages.length - 1];
      const lastBlock = lastMessage?.content[lastMessage.content.length - 1];
      expect(lastBlock).toMatchObject({ cache_control: { type: 'ephemeral' } });
    }
  });
});

describe('output-slot escalation (check 37)', () => {
  it('asks an Anthropic model again with its ceiling after max_tokens, and shows the second answer', async () => {
    claude.enqueue(
      {
        kind: 'sse',
        frames: anthropicFrames({
          text: ['Cut sho'],
          finish: 'length',
          usage: { input: 10, output: 16_384 },
        }),
      },
      {
        kind: 'sse',
        frames: anthropicFrames({ text: ['The whole answer.'], usage: { input: 10, output: 20_000 } }),
      },
    );
    const before = claude.requests.length;
    const r = await cli.runJson('write a lot', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === 'OutputSlotEscalated')).toMatchObject({
      escalated_max_tokens: 64_000,
      model_id: 'anthropic/claude-sonnet-4-6',
    });
    const sent = claude.requests.slice(before).map((q) => (q.json as { max_tokens: number }).max_tokens);
    expect(sent).toEqual([16_384, 64_000]);
    expect(r.result).toMatchObject({
      ok: true,
      message: 'The whole answer.',
      usage: { output_tokens: 36_384 },
    });
  });

  it('does not ask again when the answer already used the whole ceiling', async () => {
    claude.enqueue({
      kind: 'sse',
      frames: anthropicFrames({ text: ['Long'], finish: 'length', usage: { input: 10, output: 64_000 } }),
    });
    const before = claude.requests.length;
    const r = await cli.runJson('write a lot', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.type === 'OutputSlotEscalated')).toEqual([]);
    expect(claude.requests.length - before).toBe(1);
  });

  it('reports a Responses-API model as unsupported and keeps the cut answer', async () => {
    openai.enqueue({
      kind: 'sse',
      frames: responsesFrames({ text: ['Cut sho'], finish: 'length', usage: { input: 10, output: 99 } }),
    });
    const before = openai.requests.length;
    const r = await cli.runJson('write a lot', ['--model', 'openai/gpt-5'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === 'OutputSlotEscalationUnsupported')).toMatchObject({
      model_id: 'openai/gpt-5',
      provider: 'openai',
    });
    expect(openai.requests.length - before).toBe(1);
    expect(r.result.message).toBe('Cut sho');
  });
});

describe('time to first token', () => {
  it('records time to first token and to the whole answer per model request, in the events and the trace', async () => {
    const r = await cli.runJson('hello', CLAUDE, env);
    expect(r.code, r.stderr).toBe(0);
    const decision = r.events.find((e) => e.type === 'LlmDecisionComplete');
    expect(decision?.ttft_ms).toEqual(expect.any(Number));
    expect(decision?.stream_ms).toBeGreaterThanOrEqual(Number(decision?.ttft_ms));
    const trace = await cli.run(['trace', String(r.result.request_id), '--json']);
    expect(trace.stdout).toContain('"ttft_ms"');
  });
});
