import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, startMockOpenAi, tempDir } from '@roku/test-support';
import { RunnerHarness, fixture, responseOf } from './harness.js';

describe('sandbox runner: fetch through capabilities', () => {
  let runner: RunnerHarness;
  let tmp: string;
  beforeAll(async () => {
    runner = await RunnerHarness.start();
    tmp = tempDir('runner');
  });
  afterAll(async () => {
    await runner.stop();
  });

  it('streams a response body chunk by chunk from a loopback server', async () => {
    const parts = ['alpha-', 'beta-', 'gamma'];
    let next: (() => void) | undefined;
    const server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      // the next part goes out only after the plugin reported the previous one: a buffering fetch would hang
      next = () => {
        const part = parts[i++];
        if (part === undefined) res.end();
        else res.write(part);
      };
      next();
    });
    runner.capOverride = (cap) => {
      if (cap.op === 'emit') next?.();
      return undefined;
    };
    try {
      await runner.load('fetch@1#1', fixture('behaviours.js'));
      const result = await runner.call('fetch@1#1', 'tool:fetch-stream', { url: `${server.origin}/stream` });
      expect(responseOf(result)).toEqual({
        ok: true,
        value: { status: 200, contentType: 'text/plain', chunks: parts },
      });
      expect(server.requests.map((r) => [r.method, r.headers['x-test'], r.body])).toEqual([
        ['POST', 'yes', '{"hi":1}'],
      ]);
    } finally {
      runner.capOverride = undefined;
    }
  });

  it('runs the official openai SDK: a streamed chat completion with a tool-call delta and usage', async () => {
    const bundle = join(tmp, 'openai-plugin.js');
    await build({
      entryPoints: [fixture('openai-plugin.src.js')],
      outfile: bundle,
      bundle: true,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['browser', 'import', 'default'],
      target: 'es2024',
      logLevel: 'error',
    });
    const mock = await startMockOpenAi({ splitEvents: true });
    runner.secrets.set('OPENAI_API_KEY', 'sk-test');
    try {
      const loaded = await runner.load('openai@1#1', bundle, { limits: { memoryMb: 128 } });
      expect(loaded.ok).toBe(true);
      const value = responseOf(
        await runner.call('openai@1#1', 'provider:openai:chat', { baseURL: `${mock.origin}/v1` }),
      );
      expect(value).toEqual({
        ok: true,
        value: {
          deltas: [
            { role: 'assistant', content: '' },
            { content: 'Let me ' },
            { content: 'check ✓.' },
            {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_abc',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '' },
                },
              ],
            },
            { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
            { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
            {},
          ],
          text: 'Let me check ✓.',
          toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          finish: 'tool_calls',
          usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
        },
      });
      expect(mock.requests.map((r) => [r.path, r.headers.authorization, r.body.stream])).toEqual([
        ['/v1/chat/completions', 'Bearer sk-test', true],
      ]);
    } finally {
      await mock.close();
    }
  });
});
