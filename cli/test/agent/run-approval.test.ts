import { describe, expect, it } from 'vitest';
import { inProcessCli, lines } from './helpers.js';

const WRITE = ['write_file', '{"path":"out.txt","content":"hi"}'];

describe('roku run (fake runtime)', () => {
  it('prints the final message on stdout, tool lines and usage on stderr, and exits 0', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', 'echo', 'hello', 'there']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('echo returned: hello there\n');
    expect(r.stderr).toContain('⚙ echo {"text":"hello there"}');
    expect(r.stderr).toMatch(/✓ echo 3 ms/);
    expect(r.stderr).toMatch(/10 in · 5 out · \$0\.0000 · scripted\/scripted-1 · 1 step · run run-/);
    expect(cli.world.inputs[0]).toMatchObject({ goal: 'echo hello there', approvalMode: 'pause' });
  });

  it('prints one result object with --json', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '--json', 'hello']);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, status: 'succeeded', message: 'You said: hello' });
  });

  it('rejects an empty goal as a usage error', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '  ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[ROKU_CLI_USAGE]');
  });

  it('exits 1 and explains a failed run with a fix', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', 'fail']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('failed: the model gave up [ROKU_RUN_FAILED]');
    expect(r.stderr).toContain('fix: see what happened with roku trace run-');
  });

  it('without a terminal, pauses on a write (exit 3) and approval approve completes the run', async () => {
    const cli = await inProcessCli();
    const paused = await cli.run(['run', '--session-id', 'job', ...WRITE]);
    expect(paused.code).toBe(3);
    expect(paused.stdout).toBe('');
    const id = /ticket (appr-\d+)/.exec(paused.stderr)?.[1];
    expect(id).toBeDefined();
    expect(paused.stderr).toContain(`roku approval approve ${id}`);
    expect(paused.stderr).toContain(`roku approval reject ${id}`);
    expect(paused.stderr).toContain('tool:   write_file [write]');
    expect(paused.stderr).toContain('"path":"out.txt"');
    expect(cli.world.written).toEqual([]);

    const listed = await cli.run(['approval', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`${id}\\s+job\\s+run-\\d+\\s+write_file\\s+[0-9a-f]{12}\\s+\\d+s`),
    );
    const json = JSON.parse((await cli.run(['approval', 'list', '--json'])).stdout) as {
      approvals: { id: string; digest: string; status: string }[];
    };
    expect(json.approvals).toEqual([expect.objectContaining({ id, status: 'pending' })]);

    const approved = await cli.run([
      'approval',
      'approve',
      id!,
      '--digest',
      json.approvals[0]!.digest.slice(0, 10),
    ]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe('write_file returned: wrote out.txt\n');
    expect(approved.stderr).toContain(`approving write_file (ticket ${id})`);
    expect(cli.world.written).toEqual(['out.txt']);
    expect(cli.world.approvals.get(id!)).toMatchObject({
      status: 'executed',
      decidedBy: expect.stringMatching(/^cli:/) as unknown,
    });
    expect((await cli.run(['approval', 'list'])).stdout).toBe('no pending approvals\n');
    expect((await cli.run(['approval', 'list', '--all'])).stdout).toContain('executed');
  });

  it('approval reject tells the model, records the comment and finishes the run', async () => {
    const cli = await inProcessCli();
    const paused = await cli.run(['run', ...WRITE]);
    const id = /ticket (appr-\d+)/.exec(paused.stderr)![1]!;
    const r = await cli.run(['approval', 'reject', id, '--comment', 'not today', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      message: 'write_file returned: refused: rejected by the operator',
    });
    expect(cli.world.approvals.get(id)).toMatchObject({ status: 'rejected', comment: 'not today' });
    expect(cli.world.written).toEqual([]);
  });

  it('refuses a digest that does not match, and an unknown or decided ticket, naming it', async () => {
    const cli = await inProcessCli();
    const id = /ticket (appr-\d+)/.exec((await cli.run(['run', ...WRITE])).stderr)![1]!;
    const mismatch = await cli.run(['approval', 'approve', id, '--digest', '00000000']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('[ROKU_APPROVAL_DIGEST_MISMATCH]');
    const bad = await cli.run(['approval', 'approve', id, '--digest', 'xyz']);
    expect(bad.code).toBe(2);
    const unknown = await cli.run(['approval', 'approve', 'appr-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('approval ticket "appr-nope" not found');
    expect(unknown.stderr).toContain('[ROKU_APPROVAL_NOT_FOUND]');
    expect((await cli.run(['approval', 'reject', id])).code).toBe(0);
    const again = await cli.run(['approval', 'approve', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[ROKU_APPROVAL_ALREADY_DECIDED]');
    expect(cli.world.written).toEqual([]);
  });

  it('asks on a terminal: y runs the call once', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', ...WRITE], { tty: true, stdin: 'y\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('write_file [write] wants to run');
    expect(r.stderr).toContain('[approval] Allow? [y/N/a(auto)] ');
    expect(cli.world.inputs[0]?.approvalMode).toBe('interactive');
    expect(cli.world.written).toEqual(['out.txt']);
  });

  it('asks on a terminal: anything but y or a rejects, end of input too', async () => {
    const cli = await inProcessCli();
    for (const answer of ['n\n', 'whatever\n', '']) {
      const r = await cli.run(['run', ...WRITE], { tty: true, stdin: answer });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('refused');
    }
    expect(cli.world.written).toEqual([]);
  });

  it('--yes-always never asks', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '--yes-always', ...WRITE], { tty: true });
    expect(r.stderr).not.toContain('[approval]');
    expect(cli.world.written).toEqual(['out.txt']);
  });
});
