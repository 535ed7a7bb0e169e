import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { writeRawPlugin } from './support/raw-plugin.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');

function roku(args: string[]) {
  const home = tempDir('cli-call');
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
  });
}

describe('roku plugin call', () => {
  it('runs a TypeScript tool in its isolate and prints the result', () => {
    const result = roku(['plugin', 'call', 'examples/tool-echo', 'word_count', '{"text":"one two three"}']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ words: 3 });
  });

  it('runs an AssemblyScript tool in wasm, with --json output', () => {
    const result = roku(['plugin', 'call', '--json', 'examples/wasm-hello', 'greet', '{"name":"Ada"}']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, result: { greeting: 'Hello, Ada!' } });
  });

  it('refuses input that does not match the tool schema, naming the field', () => {
    const result = roku(['plugin', 'call', 'examples/tool-echo', 'word_count', '{"text":42}']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/text must be string [ROKU_CAPABILITY_BAD_REQUEST]');
  });

  it('names the declared tools when asked for one that does not exist', () => {
    const result = roku(['plugin', 'call', 'examples/tool-echo', 'nope']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no tool 'nope' (tools: echo, word_count) [ROKU_SANDBOX_UNKNOWN_OP]");
  });

  it('refuses plugin output that could mean two things, typed, naming where', () => {
    for (const [raw, problem] of [
      ['{"ok":true,"value":{"grant":"none","grant":"all"}}', 'key \\"grant\\" appears twice'],
      ['{"ok":true,"value":{"n":1e309}}', '1e309 is beyond the range'],
      ['{"ok":true,"value":{"n":9007199254740993}}', '9007199254740993 is beyond'],
    ]) {
      const dir = writeRawPlugin(tempDir('cli-call-raw'), 'twofaced', { body: 'return 1;' });
      const file = join(dir, 'plugin.js');
      // The ABI answer is written by hand, as a hostile plugin would, instead of by JSON.stringify.
      const source = readFileSync(file, 'utf8').replace(
        /return JSON\.stringify\(\{ ok: true, value:[^;]*;/,
        `return ${JSON.stringify(raw)};`,
      );
      writeFileSync(file, source);
      const result = roku(['plugin', 'call', '--json', dir, 't']);
      expect(result.status, result.stderr).toBe(1);
      const out = JSON.parse(result.stdout) as { error: { code: string; message: string } };
      expect(out.error.code).toBe('ROKU_SANDBOX_BAD_OUTPUT');
      expect(JSON.stringify(out.error.message)).toContain(problem);
    }
  });

  it('exits 2 when the input is not JSON', () => {
    const result = roku(['plugin', 'call', 'examples/tool-echo', 'echo', '{text:']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('input is not valid JSON');
  });

  it('cannot reach the network without a grant: the openai example fails typed, not silently', () => {
    const result = roku([
      'plugin',
      'call',
      'examples/provider-openai',
      'provider:openai:chat',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}',
      '--settings',
      '{"baseURL":"http://127.0.0.1:9/v1","maxRetries":0}',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('[ROKU_PLUGIN_FAILED]');
  });
});
