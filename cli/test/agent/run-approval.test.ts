import { describe, expect, it } from 'vitest';
import type { InProcessCli } from './helpers.js';
import { inProcessCli, lines } from './helpers.js';

const WRITE = ['write_file', '{"path":"out.txt","content":"hi"}'];

interface Ticket {
  id: string;
  status: string;
  toolName: string;
  digest: string;
  comment: string | null;
  decidedBy: string | null;
}

async function tickets(cli: InProcessCli): Promise<Ticket[]> {
  const r = await cli.run(['approval', 'list', '--all', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { approvals: Ticket[] }).approvals;
}

/** Runs the write without a terminal, so it pauses; returns the ticket id. */
async function paused(cli: InProcessCli, args: string[] = []): Promise<string> {
  const r = await cli.run(['run', ...args, ...WRITE]);
  expect(r.code, r.stderr).toBe(3);
  const id = /ticket (\S+)/.exec(r.stderr)?.[1];
  expect(id).toBeDefined();
  return id!;
}

describe('roku run (real runtime)', () => {
  it('prints the final message on stdout, tool lines and usage on stderr, and exits 0', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', 'echo', 'hello', 'there']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('echo returned: {"text":"hello there"}\n');
    expect(r.stderr).toContain('⚙ echo {"text":"hello there"}');
    expect(r.stderr).toMatch(/✓ echo \d+ ms/);
    expect(r.stderr).toMatch(/\d+ in · \d+ out · \$0\.0000 · scripted\/scripted-1 · 1 step · run run-\S+\n$/);
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
    expect((await cli.run(['session', 'list'])).stdout).toBe('no sessions\n');
  });

  it('exits 1 and explains a failed run with a fix', async () => {
    const cli = await inProcessCli({ script: [{ match: '^fail', malformed: true }], strict: true });
    const r = await cli.run(['run', 'fail']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/failed: .*response .* \[ROKU_PROVIDER_BAD_OUTPUT\]/);
    expect(r.stderr).toContain('fix: see what happened with roku trace run-');
  });

  it('without a terminal, pauses on a write (exit 3) and approval approve completes the run', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '--session-id', 'job', ...WRITE]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    const id = /ticket (\S+)/.exec(r.stderr)?.[1];
    expect(id).toBeDefined();
    expect(r.stderr).toContain(`roku approval approve ${id}`);
    expect(r.stderr).toContain(`roku approval reject ${id}`);
    expect(r.stderr).toContain('tool:   write_file [write]');
    expect(r.stderr).toContain('"path":"out.txt"');
    expect(r.stderr).toMatch(/digest: [0-9a-f]{64}/);
    expect(cli.file('out.txt')).toBeUndefined();
    expect((await cli.session('job'))?.runs.map((run) => run.status)).toEqual(['awaiting_approval']);

    const listed = await cli.run(['approval', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`${id}\\s+job\\s+run-\\S+\\s+write_file\\s+[0-9a-f]{12}\\s+\\d+s\\s+\\{"path":"out.txt"`),
    );
    const json = JSON.parse((await cli.run(['approval', 'list', '--json'])).stdout) as {
      approvals: Ticket[];
    };
    expect(json.approvals).toEqual([expect.objectContaining({ id, status: 'pending' })]);

    const approved = await cli.run([
      'approval',
      'approve',
      id!,
      '--digest',
      json.approvals[0]!.digest.slice(0, 10),
    ]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^write_file returned: .*out\.txt.*\n$/);
    expect(approved.stderr).toContain(`approving write_file (ticket ${id})`);
    expect(cli.file('out.txt')).toBe('hi');
    expect(await tickets(cli)).toEqual([
      expect.objectContaining({
        id,
        status: 'executed',
        decidedBy: expect.stringMatching(/^cli:/) as unknown,
      }),
    ]);
    expect((await cli.session('job'))?.runs.map((run) => run.status)).toEqual(['succeeded']);
    expect((await cli.run(['approval', 'list'])).stdout).toBe('no pending approvals\n');
    expect((await cli.run(['approval', 'list', '--all'])).stdout).toContain('executed');
  });

  it('approval reject tells the model, records the comment and finishes the run', async () => {
    const cli = await inProcessCli();
    const id = await paused(cli);
    const r = await cli.run(['approval', 'reject', id, '--comment', 'not today', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      status: 'succeeded',
      message: 'write_file returned: denied: the user rejected this call (not today). It was not run.',
    });
    expect(await tickets(cli)).toEqual([
      expect.objectContaining({ status: 'rejected', comment: 'not today' }),
    ]);
    expect(cli.file('out.txt')).toBeUndefined();
  });

  it('refuses a digest that does not match, and an unknown or decided ticket, naming it', async () => {
    const cli = await inProcessCli();
    const id = await paused(cli);
    const mismatch = await cli.run(['approval', 'approve', id, '--digest', '00000000']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('[ROKU_APPROVAL_DIGEST_MISMATCH]');
    const bad = await cli.run(['approval', 'approve', id, '--digest', 'xyz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[ROKU_CLI_USAGE]');
    expect(await tickets(cli)).toEqual([expect.objectContaining({ id, status: 'pending' })]);
    const unknown = await cli.run(['approval', 'approve', 'appr-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('approval ticket "appr-nope" not found');
    expect(unknown.stderr).toContain('[ROKU_APPROVAL_NOT_FOUND]');
    expect((await cli.run(['approval', 'reject', id])).code).toBe(0);
    const again = await cli.run(['approval', 'approve', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`approval ${id} is already rejected`);
    expect(again.stderr).toContain('[ROKU_APPROVAL_ALREADY_DECIDED]');
    expect(cli.file('out.txt')).toBeUndefined();
  });

  it('keeps the session waiting for the ticket: another run there is refused until it is decided', async () => {
    const cli = await inProcessCli();
    const id = await paused(cli, ['--session-id', 'busy']);
    const refused = await cli.run(['run', '--session-id', 'busy', 'hello']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[ROKU_SESSION_BUSY]');
    expect((await cli.run(['approval', 'approve', id])).code).toBe(0);
    expect((await cli.run(['run', '--session-id', 'busy', 'hello'])).stdout).toBe('You said: hello\n');
  });

  it('asks on a terminal: y runs the call once', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', ...WRITE], { tty: true, stdin: 'y\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('write_file [write] wants to run');
    expect(r.stderr).toContain('[approval] Allow? [y/N/a(auto)] ');
    expect(r.stderr).toContain('approved once');
    expect(r.stdout).toMatch(/^write_file returned: /);
    expect(cli.file('out.txt')).toBe('hi');
    // Decided on the spot: no ticket is left waiting.
    expect((await cli.run(['approval', 'list'])).stdout).toBe('no pending approvals\n');
  });

  it('asks on a terminal: anything but y or a rejects, end of input too', async () => {
    const cli = await inProcessCli();
    for (const answer of ['n\n', 'whatever\n', '']) {
      const r = await cli.run(['run', ...WRITE], { tty: true, stdin: answer });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('[approval] Allow? [y/N/a(auto)] ');
      expect(r.stderr).toContain('rejected');
      expect(r.stdout).toContain('denied: the user rejected this call');
    }
    expect(cli.file('out.txt')).toBeUndefined();
  });

  it('--yes-always never asks', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '--yes-always', ...WRITE], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('[approval]');
    expect(cli.file('out.txt')).toBe('hi');
  });
});
