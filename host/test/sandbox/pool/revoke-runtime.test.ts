import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { LoopEvent } from '../../../src/events/loop-events.js';
import { PLUGINS, cleanupAll, configFor, makeEnv } from '../../agent/helpers.js';

afterEach(cleanupAll);

/** A tool plugin whose one tool never answers (until its 60 s wall limit). */
function hangingTool(): string {
  const dir = join(tempDir('revoke-tool'), 'hang');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: '@slow/hang',
      version: '1.0.0',
      description: 'A tool that never answers.',
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'plugin.js' },
      contributes: {
        tools: [
          { name: 'hang', description: 'Never answers.', inputSchema: { type: 'object' }, risk: ['read'] },
        ],
      },
      limits: { wallMsPerCall: 60_000 },
    }),
  );
  writeFileSync(
    join(dir, 'plugin.js'),
    `globalThis.__roku_abi = {
      describe: () => JSON.stringify({ abi: 1, tools: ['hang'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
      call: () => new Promise(() => {}),
    };`,
  );
  return dir;
}

describe('disabling a plugin during a turn', () => {
  it('ends its tool call in flight with ROKU_SANDBOX_REVOKED, and the turn goes on without waiting for the call', async () => {
    const tool = hangingTool();
    const script = [{ toolCalls: [{ name: 'hang', arguments: {} }] }, { text: 'carried on' }];
    const env = makeEnv(configFor({ script, devDirs: [PLUGINS.scripted, tool] }));
    const runtime = await env.open();
    const events: LoopEvent[] = [];
    let toolStarted!: () => void;
    const started = new Promise<void>((resolve) => (toolStarted = resolve));
    const run = runtime.run(
      { goal: 'call the hanging tool', approvalMode: 'pause' },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'ToolStart') toolStarted();
        },
      },
    );
    await started;
    // the user takes the plugin out of the configuration: the next snapshot no longer has it
    env.writeConfig(configFor({ script, devDirs: [PLUGINS.scripted] }));
    const reload = await runtime.reload('@slow/hang disabled');
    expect(reload.ok).toBe(true);
    const result = await run;
    expect(result.status).toBe('succeeded');
    const end = events.find((e) => e.type === 'ToolEnd');
    expect(end).toMatchObject({ tool_name: 'hang', is_error: true });
    expect(JSON.stringify(events)).toContain('ROKU_SANDBOX_REVOKED');
  });
});
