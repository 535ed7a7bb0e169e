/**
 * The explore sub-agent runtime (@roku/plugin-subagent-explore) through `roku run`: two Agent calls in one
 * model answer run side by side, each reading the workspace on its own budget, and come back attributed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_PLUGINS, inProcessCli, repo } from './helpers.js';

const EXPLORE = join(repo, 'plugins/subagent-explore');

interface Event {
  type: string;
  tool_name?: string;
  tool_call_id?: string;
  agent_id?: string;
}

describe('the explore sub-agent runtime', () => {
  it('runs two explorations of one answer side by side and returns both, attributed', async () => {
    const cli = await inProcessCli({
      devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs, EXPLORE],
      script: [
        {
          match: '^compare the two notes',
          toolCalls: [
            { id: 'a1', name: 'Agent', arguments: { task: 'read_file alpha.txt', runtime: 'explore' } },
            { id: 'a2', name: 'Agent', arguments: { task: 'read_file beta.txt', runtime: 'explore' } },
          ],
        },
      ],
    });
    writeFileSync(join(cli.workspace, 'alpha.txt'), 'alpha says the build uses pnpm');
    writeFileSync(join(cli.workspace, 'beta.txt'), 'beta says the tests use vitest');
    const r = await cli.run(['run', '--session-id', 'explore', '--json', 'compare the two notes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alpha says the build uses pnpm');
    expect(r.stdout).toContain('beta says the tests use vitest');
    expect(r.stdout).toContain('[explore sub-agent · 2 steps · tools: read_file×1]');

    const session = await cli.session('explore');
    const runId = session?.runs[0]?.id ?? '';
    const trace = await cli.run(['trace', runId, '--json']);
    const events = trace.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { type: string; data?: Event })
      .flatMap((l) => (l.type === 'event' && l.data !== undefined ? [l.data] : []));
    const agentEvents = events
      .filter((e) => e.tool_name === 'Agent')
      .map((e) => `${e.type}:${e.tool_call_id ?? ''}`);
    // Both started before either ended: they were in flight together.
    expect(agentEvents).toEqual(['ToolStart:a1', 'ToolStart:a2', 'ToolEnd:a1', 'ToolEnd:a2']);
    // The results went back to the model in call order.
    const tools = (session?.messages ?? [])
      .filter((m) => m.message.role === 'tool')
      .map((m) => m.message.toolCallId);
    expect(tools).toEqual(['a1', 'a2']);
  });

  it('cannot change the workspace: a write asked of it is refused and reported', async () => {
    const cli = await inProcessCli({
      devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs, EXPLORE],
      script: [
        {
          match: '^try to write',
          toolCalls: [
            { id: 'w1', name: 'Agent', arguments: { task: 'write_file x.txt', runtime: 'explore' } },
          ],
        },
        // The explorer's model tries to write anyway.
        {
          match: '^write_file x.txt',
          toolCalls: [{ id: 'x1', name: 'write_file', arguments: { path: 'x.txt', content: 'changed' } }],
        },
      ],
    });
    const r = await cli.run(['run', '--session-id', 'w', 'try to write through explore']);
    expect(r.code, r.stderr).toBe(0);
    expect(cli.file('x.txt')).toBeUndefined();
    expect(r.stdout).toContain('[explore sub-agent');
    expect(r.stdout).toContain('write_file is not available to explore');
  });
});
