import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { isRokuError } from '@roku/schemas';
import { LOOP_EVENT_TYPES } from '../../src/events/loop-events.js';
import { PLUGINS, cleanupAll, configFor, makeEnv, rawPlugin, runGoal, types } from './helpers.js';
import { toolNames, watchReloads } from './reloads.js';

afterEach(cleanupAll);

describe('agent runtime: loop', () => {
  it('answers a text-only goal with one model call and no tool events, and keeps the session', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'hello there', sessionId: 's1' });
    expect(result.status).toBe('succeeded');
    expect(result.message).toBe('You said: hello there');
    expect(result.model).toBe('scripted/scripted-1');
    expect(types(events).filter((t) => t === 'LlmDecisionComplete')).toHaveLength(1);
    expect(types(events)).not.toContain('ToolStart');
    expect(events.every((e) => LOOP_EVENT_TYPES.includes(e.type))).toBe(true);
    expect(events.at(-1)?.type).toBe('RunFinished');
    const usage = events.find((e) => e.type === 'TokenUsage');
    expect(usage).toMatchObject({ model_id: 'scripted/scripted-1', estimated_cost_usd: 0 });
    const { messages } = runtime.session('s1');
    expect(messages.map((m) => m.message.role)).toEqual(['user', 'assistant']);
    // The trace file has the same events.
    const trace = runtime.trace(result.runId);
    expect(trace.trace?.bytes).toBeGreaterThan(0);
    expect(
      readFileSync(join(env.home, 'traces', `${result.runId}.jsonl`), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(trace.events.length);
  });

  it('calls a sandboxed tool the model asks for, in order, and answers with its result', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'echo hello from roku' });
    expect(result.status).toBe('succeeded');
    expect(result.message).toContain('hello from roku');
    const seq = types(events);
    expect(seq.indexOf('ToolStart')).toBeLessThan(seq.indexOf('ToolEnd'));
    expect(seq.indexOf('ToolEnd')).toBeLessThan(seq.indexOf('StepComplete'));
    expect(seq).toContain('LlmDecisionComplete');
    expect(seq).toContain('TokenUsage');
  });

  it('runs two tool calls of one response serially and feeds tool errors back as error results', async () => {
    const env = makeEnv(
      configFor({
        script: [
          {
            toolCalls: [
              { name: 'echo', arguments: { text: 'A' } },
              { name: 'no_such_tool', arguments: {} },
              { name: 'echo', arguments: { text: 'B' } },
            ],
          },
          { text: 'done' },
        ],
      }),
    );
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'go', sessionId: 'serial' });
    expect(result.status).toBe('succeeded');
    const tools = events.filter((e) => e.type === 'ToolStart' || e.type === 'ToolEnd');
    expect(tools.map((e) => `${e.type}:${(e as { tool_name: string }).tool_name}`)).toEqual([
      'ToolStart:echo',
      'ToolEnd:echo',
      'ToolStart:no_such_tool',
      'ToolEnd:no_such_tool',
      'ToolStart:echo',
      'ToolEnd:echo',
    ]);
    const results = runtime.session('serial').messages.filter((m) => m.message.role === 'tool');
    expect(results[1]?.message).toMatchObject({ isError: true });
    expect(results[1]?.message.content).toContain('unknown tool');
  });

  it('stops with the step budget used up after exactly that many tool steps', async () => {
    const always = { toolCalls: [{ name: 'echo', arguments: { text: 'again' } }] };
    const env = makeEnv(
      configFor({ script: Array.from({ length: 3 }, () => always), agent: { stepBudget: 3 } }),
    );
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'loop forever' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ROKU_STEP_BUDGET_EXHAUSTED');
    expect(types(events).filter((t) => t === 'StepComplete')).toHaveLength(3);
    expect(types(events).filter((t) => t === 'ToolStart')).toHaveLength(3);
  });

  it('fails clearly on malformed provider output and keeps the session usable', async () => {
    const env = makeEnv(
      configFor({
        script: [
          { match: 'bad', malformed: true },
          { match: 'fine', text: 'fine' },
        ],
      }),
    );
    const runtime = await env.open();
    const bad = await runGoal(runtime, { goal: 'bad output please', sessionId: 'm' });
    expect(bad.result.status).toBe('failed');
    expect(bad.result.error?.code).toBe('ROKU_PROVIDER_BAD_OUTPUT');
    const good = await runGoal(runtime, { goal: 'fine now', sessionId: 'm' });
    expect(good.result.status).toBe('succeeded');
    expect(runtime.session('m').messages.map((m) => m.message.role)).toEqual(['user', 'user', 'assistant']);
  });

  it('retries a rate-limited provider and reports each retry', async () => {
    const env = makeEnv(
      configFor({
        script: [{ error: { code: 'PROVIDER_RATE_LIMIT', message: 'slow down' }, failTimes: 2, text: 'ok' }],
      }),
    );
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'hi' });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'ProviderRetry')).toHaveLength(2);
  });

  it('refuses a second run on a session that waits for an approval, naming the ticket', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const paused = await runGoal(runtime, {
      goal: 'write_file {"path":"a.txt","content":"x"}',
      sessionId: 'busy',
    });
    expect(paused.result.status).toBe('awaiting_approval');
    await expect(runGoal(runtime, { goal: 'hello', sessionId: 'busy' })).rejects.toSatisfy(
      (err: unknown) =>
        isRokuError(err) &&
        err.code === 'ROKU_SESSION_BUSY' &&
        err.message.includes(paused.result.approvalId ?? '?'),
    );
  });

  it('interrupts a turn on abort and leaves the session consistent for the next run', async () => {
    const env = makeEnv(
      configFor({
        script: [
          { match: 'slow', toolCalls: [{ name: 'echo', arguments: { text: 'x' } }] },
          { match: 'slow', delayMs: 5000, text: 'too late' },
          { match: 'hello', text: 'hi' },
        ],
      }),
    );
    const runtime = await env.open();
    const controller = new AbortController();
    const pending = runGoal(runtime, { goal: 'slow please', sessionId: 'int', signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 800);
    const { result } = await pending;
    expect(result.status).toBe('interrupted');
    const next = await runGoal(runtime, { goal: 'hello', sessionId: 'int' });
    expect(next.result.status).toBe('succeeded');
  });

  it('reserves sub-agent steps from the parent and never refunds them', async () => {
    const env = makeEnv(
      configFor({
        script: [
          { match: '^parent', toolCalls: [{ name: 'Agent', arguments: { task: 'child task' } }] },
          { match: '^parent', toolCalls: [{ name: 'echo', arguments: { text: 'after' } }] },
          { match: '^parent', text: 'parent done' },
          { match: '^child', text: 'child answer' },
        ],
        agent: { stepBudget: 25 },
      }),
    );
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'parent goal' });
    expect(result.status).toBe('succeeded');
    const steps = events.filter((e) => e.type === 'StepComplete' && e.agent_id === 'main');
    expect(steps[0]).toMatchObject({ remaining_steps: 14 });
    expect(events.some((e) => e.agent_id.startsWith('sub-'))).toBe(true);
    const agentEnd = events.find((e) => e.type === 'ToolEnd' && e.tool_name === 'Agent');
    expect(agentEnd).toMatchObject({ is_error: false });
  });
});

describe('agent runtime: approvals', () => {
  const writeGoal = 'write_file {"path":"out.txt","content":"line\\n","append":true}';

  it('pauses on a write tool, survives a restart, and runs the approved call exactly once', async () => {
    const env = makeEnv(configFor({}));
    let runtime = await env.open();
    const paused = await runGoal(runtime, { goal: writeGoal, sessionId: 'ap' });
    expect(paused.result.status).toBe('awaiting_approval');
    const id = paused.result.approvalId ?? '';
    expect(existsSync(join(env.workspace, 'out.txt'))).toBe(false);
    await runtime.close();

    runtime = await env.open();
    const [ticket] = runtime.approvals();
    expect(ticket).toMatchObject({ id, status: 'pending', toolName: 'write_file' });
    expect(ticket?.digest).toMatch(/^[0-9a-f]{64}$/);
    const resumed = await runtime.decideApproval(id, { approved: true, by: 'test' });
    expect(resumed.status).toBe('succeeded');
    expect(readFileSync(join(env.workspace, 'out.txt'), 'utf8')).toBe('line\n');
    expect(runtime.approvals({ status: 'executed' })).toHaveLength(1);
    await expect(runtime.decideApproval(id, { approved: true, by: 'test' })).rejects.toSatisfy(
      (err: unknown) => isRokuError(err) && err.code === 'ROKU_APPROVAL_ALREADY_DECIDED',
    );
    expect(readFileSync(join(env.workspace, 'out.txt'), 'utf8')).toBe('line\n');
  });

  it('refuses an approval whose digest differs from the recorded call', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const paused = await runGoal(runtime, { goal: writeGoal, sessionId: 'dg' });
    await expect(
      runtime.decideApproval(paused.result.approvalId ?? '', {
        approved: true,
        by: 't',
        expectedDigest: '0'.repeat(64),
      }),
    ).rejects.toSatisfy((err: unknown) => isRokuError(err) && err.code === 'ROKU_APPROVAL_DIGEST_MISMATCH');
    expect(existsSync(join(env.workspace, 'out.txt'))).toBe(false);
  });

  it('feeds a rejection back to the model as a denial and the run continues', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const paused = await runGoal(runtime, { goal: writeGoal, sessionId: 'rj' });
    const resumed = await runtime.decideApproval(paused.result.approvalId ?? '', {
      approved: false,
      by: 't',
      comment: 'no',
    });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.message).toContain('denied');
    expect(existsSync(join(env.workspace, 'out.txt'))).toBe(false);
  });

  it('asks interactively (ticket first), and "always" stops asking for that tool in the session', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const asked: string[] = [];
    const approve = (p: { approvalId: string }) => {
      asked.push(p.approvalId);
      // The ticket is already in the database when the question is asked.
      expect(runtime.store.getApproval(p.approvalId)?.status).toBe('pending');
      return Promise.resolve('always' as const);
    };
    const first = await runGoal(
      runtime,
      { goal: writeGoal, sessionId: 'ia', approvalMode: 'interactive' },
      { approve },
    );
    expect(first.result.status).toBe('succeeded');
    const second = await runGoal(
      runtime,
      { goal: writeGoal, sessionId: 'ia', approvalMode: 'interactive' },
      { approve },
    );
    expect(second.result.status).toBe('succeeded');
    expect(asked).toHaveLength(1);
    expect(readFileSync(join(env.workspace, 'out.txt'), 'utf8')).toBe('line\nline\n');
  });

  it('denies tools that need approval in deny (pipe) mode and runs read-only ones', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const { result } = await runGoal(runtime, { goal: writeGoal, approvalMode: 'deny' });
    expect(result.status).toBe('succeeded');
    expect(result.message).toContain('interactive');
    expect(existsSync(join(env.workspace, 'out.txt'))).toBe(false);
    writeFileSync(join(env.workspace, 'r.txt'), 'readable');
    const read = await runGoal(runtime, { goal: 'read_file r.txt', approvalMode: 'deny' });
    expect(read.result.message).toContain('readable');
  });

  it('refuses calls matching a deny pattern without asking', async () => {
    const env = makeEnv(configFor({ approvals: { denyPatterns: ['secret\\.txt'] } }));
    const runtime = await env.open();
    const { result, events } = await runGoal(
      runtime,
      {
        goal: 'write_file {"path":"secret.txt","content":"x"}',
        approvalMode: 'interactive',
      },
      { approve: () => Promise.reject(new Error('must not ask')) },
    );
    expect(result.status).toBe('succeeded');
    expect(events.some((e) => e.type === 'ApprovalDecided' && e.decision === 'denied')).toBe(true);
    expect(existsSync(join(env.workspace, 'secret.txt'))).toBe(false);
    // Auto-approve does not override a deny pattern.
    const auto = await runGoal(runtime, {
      goal: 'write_file {"path":"secret.txt","content":"x"}',
      approvalMode: 'deny',
      autoApprove: true,
    });
    expect(auto.result.message).toContain('deny pattern');
    expect(existsSync(join(env.workspace, 'secret.txt'))).toBe(false);
  });
});

describe('agent runtime: snapshot and reload', () => {
  it('lists plugins, slot owners and models; falls back to the default slot owner when configured wrongly', async () => {
    const env = makeEnv(configFor({ plugins: { memorySlot: '@roku/nope' } }));
    const runtime = await env.open();
    const info = runtime.snapshotInfo();
    expect(info.memorySlot).toBe('@roku/plugin-memory-session');
    expect(info.contextEngine).toBe('@roku/plugin-context-default');
    expect(info.models.map((m) => m.ref)).toContain('scripted/scripted-1');
    expect(info.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'write_file']));
    expect(info.warnings.join('\n')).toContain('@roku/nope');
  });

  it('swaps the snapshot while a turn is in flight: the turn finishes on the old one, the next sees the change', async () => {
    const env = makeEnv(configFor({ script: [{ match: 'slow', delayMs: 1500, text: 'slow done' }] }));
    const runtime = await env.open();
    const before = runtime.snapshotInfo().id;
    // The turn holds its snapshot from RunStarted on.
    const running = Promise.withResolvers<undefined>();
    const inflight = runtime.run(
      { goal: 'slow turn', approvalMode: 'pause' },
      {
        onEvent: (e) => {
          if (e.type === 'RunStarted') running.resolve(undefined);
        },
      },
    );
    await running.promise;
    // Remove the echo toolset: the new snapshot has no echo tool.
    env.writeConfig(configFor({ devDirs: [PLUGINS.scripted, PLUGINS.toolsFs], script: [], strict: false }));
    const reload = await runtime.reload('test');
    expect(reload.ok).toBe(true);
    expect(reload.snapshot.id).toBeGreaterThan(before);
    expect(reload.snapshot.tools.map((t) => t.name)).not.toContain('echo');
    const result = await inflight;
    expect(result.status).toBe('succeeded');
    expect(result.message).toBe('slow done');
    const after = await runGoal(runtime, { goal: 'echo hi' });
    expect(after.result.message).toBe('You said: echo hi');
  });

  it('keeps the old snapshot when a reload fails half way, and says why', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const before = runtime.snapshotInfo();
    const broken = join(env.home, 'broken-plugin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(broken);
    writeFileSync(
      join(broken, 'roku.plugin.json'),
      JSON.stringify({ manifestVersion: 1, id: '@x/broken', version: '1.0.0' }),
    );
    env.writeConfig(configFor({ devDirs: [PLUGINS.scripted, PLUGINS.toolsFs, PLUGINS.echo, broken] }));
    const reload = await runtime.reload('test');
    expect(reload.ok).toBe(false);
    expect(reload.error?.code).toBe('ROKU_SNAPSHOT_FAILED');
    expect(reload.error?.message).toContain('@x/broken');
    expect(runtime.snapshotInfo().id).toBe(before.id);
    const { result } = await runGoal(runtime, { goal: 'echo still works' });
    expect(result.message).toContain('still works');
  });
});

describe('agent runtime: watching for changes', () => {
  it('reloads when the config file changes', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    const reloads = await watchReloads(runtime);
    env.writeConfig(configFor({ devDirs: [PLUGINS.scripted, PLUGINS.toolsFs] }));
    const reload = await reloads.until((r) => !toolNames(r).includes('echo'));
    expect(runtime.snapshotInfo().tools.map((t) => t.name)).not.toContain('echo');
    expect(`${reload.ok ? 'ok' : 'rollback'}: ${reload.reason}`).toContain('ok: config change');
  });

  it('reloads a dev plugin when its folder changes (plugin dev mode)', async () => {
    const dir = join(tempDir('dev'), 'dev-tool');
    const tool = (name: string) => ({
      name,
      description: 'Says hi.',
      inputSchema: { type: 'object', properties: {} },
      risk: ['read'],
    });
    const write = (name: string) =>
      rawPlugin(
        dir,
        '@test/dev-tool',
        { tools: [tool(name)] },
        `{ 'tool:${name}': async () => 'hi from ${name}' }`,
      );
    write('hello_v1');
    const env = makeEnv(configFor({ devDirs: [PLUGINS.scripted, dir] }));
    const runtime = await env.open();
    const reloads = await watchReloads(runtime);
    write('hello_v2');
    await reloads.until((r) => toolNames(r).includes('hello_v2'));
    expect(runtime.snapshotInfo().tools.map((t) => t.name)).toContain('hello_v2');
    const { result } = await runGoal(runtime, { goal: 'hello_v2' });
    expect(result.message).toContain('hi from hello_v2');
  });
});

describe('agent runtime: a damaged state database', () => {
  it('refuses to start on a corrupted database, naming the file and the fix', async () => {
    const env = makeEnv(configFor({}));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(env.home, 'state'), { recursive: true });
    writeFileSync(join(env.home, 'state', 'roku.db'), Buffer.alloc(8192, 7));
    await expect(env.open()).rejects.toSatisfy(
      (err: unknown) =>
        isRokuError(err) &&
        err.code === 'ROKU_STORE_CORRUPT' &&
        err.message.includes(join(env.home, 'state', 'roku.db')),
    );
  });
});

describe('agent runtime: sub-agent timeout', () => {
  it('returns a timeout error to the parent, which continues', async () => {
    const env = makeEnv(
      configFor({
        script: [
          { match: '^parent', toolCalls: [{ name: 'Agent', arguments: { task: 'child: slow' } }] },
          { match: '^parent', text: 'parent went on' },
          { match: '^child', delayMs: 5000, text: 'too late' },
        ],
        agent: { subagentTimeoutMs: 1000 },
      }),
    );
    const runtime = await env.open();
    const { result } = await runGoal(runtime, { goal: 'parent goal', sessionId: 'to' });
    expect(result.status).toBe('succeeded');
    expect(result.message).toBe('parent went on');
    const tool = runtime.session('to').messages.find((m) => m.message.role === 'tool');
    expect(tool?.message).toMatchObject({
      content: '[Sub-agent error] Timed out after 1 seconds.',
      isError: true,
    });
  });
});
