import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a dev plugin `@test/echo-provider` (plain JavaScript speaking the plugin ABI, no build step) with one
 * provider `echo`, model `echo-1`, whose answer lists what it was sent: one line per system or user message,
 * `<role>: <its first 300 characters>`. It lets a test see what reached the model (recalled memory, summaries).
 * Returns its folder, for `plugins.devDirs`.
 */
export function writeEchoProvider(parent: string, contextWindow = 200_000): string {
  const dir = join(parent, 'echo-provider');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    manifestVersion: 1,
    id: '@test/echo-provider',
    version: '0.0.1',
    description: 'Answers with what it was sent.',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js' },
    contributes: {
      providers: [
        {
          name: 'echo',
          description: 'Echoes the system and user messages it gets.',
          models: [{ id: 'echo-1', contextWindow, maxOutputTokens: 4096, capabilities: ['streaming'] }],
        },
      ],
    },
    permissions: {},
    limits: { cpuMsPerCall: 1000, wallMsPerCall: 5000, memoryMb: 32 },
  };
  const source = `'use strict';
globalThis.__roku_abi = {
  describe() {
    return JSON.stringify({ abi: 1, tools: [], providers: ['echo'], memorySlot: null, contextEngine: null, subagentRuntimes: [] });
  },
  async call(requestJson) {
    const request = JSON.parse(requestJson);
    const messages = request.input.messages;
    const lines = messages
      .filter((m) => m.role === 'system' || m.role === 'user')
      .map((m) => m.role + ': ' + m.content.replace(/\\s+/g, ' ').slice(0, 300));
    const content = lines.join('\\n');
    const value = {
      message: { role: 'assistant', content },
      finishReason: 'stop',
      usage: { inputTokens: Math.ceil(JSON.stringify(messages).length / 4), outputTokens: Math.ceil(content.length / 4) },
      model: request.input.model,
    };
    return JSON.stringify({ ok: true, value });
  },
};
`;
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'plugin.js'), source);
  return dir;
}
