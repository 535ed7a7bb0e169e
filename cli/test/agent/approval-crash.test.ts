import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Home } from './helpers.js';
import { agentConfig, freshHome } from './helpers.js';

// Each test kills a real `roku approval approve` process (SIGKILL) at a chosen step of an approved write, then
// finishes the call from another process the way a user would.
const APPEND = ['write_file', '{"path":"once.txt","content":"x\\n","append":true}'];

interface Ticket {
  id: string;
  status: string;
  note: string | null;
}

async function devHome(): Promise<Home> {
  const h = await freshHome(false);
  writeFileSync(join(h.home, 'config.json'), JSON.stringify(agentConfig()));
  return h;
}

function pausedTicket(h: Home, session: string): string {
  const r = h.roku(['run', '--session-id', session, ...APPEND]);
  expect(r.code, r.stderr).toBe(3);
  const id = /ticket (\S+)/.exec(r.stderr)?.[1];
  expect(id).toBeDefined();
  return id!;
}

function crashApprove(h: Home, id: string, point: string): void {
  const r = h.roku(['approval', 'approve', id], '', { ROKU_TEST_CRASH_AT: point });
  expect(r.code, `approve was meant to die at ${point}:\n${r.stderr}`).toBe(-1);
}

function ticket(h: Home, id: string): Ticket {
  const r = h.roku(['approval', 'show', id, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { approval: Ticket }).approval;
}

function file(h: Home): string | undefined {
  const path = join(h.workspace, 'once.txt');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function runStatuses(h: Home, session: string): string[] {
  const r = h.roku(['session', 'show', session, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { runs: { status: string }[] }).runs.map((run) => run.status);
}

describe('an approved call survives the death of the process that approved it', () => {
  it('approver killed after deciding: approving again resumes the run and writes once', async () => {
    const h = await devHome();
    const id = pausedTicket(h, 'decided');
    crashApprove(h, id, 'approval-decided');
    expect(file(h)).toBeUndefined();
    // The list shows the approved call whose run stopped, and how to finish it.
    expect(h.roku(['approval', 'list']).stdout).toMatch(new RegExp(`${id}.*\\[approved; resume it\\]`));
    // Another run in the session is refused while the approved call waits, naming the ticket.
    const busy = h.roku(['run', '--session-id', 'decided', 'hello']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(id);
    const again = h.roku(['approval', 'approve', id]);
    expect(again.code, again.stderr).toBe(0);
    expect(file(h)).toBe('x\n');
    expect(ticket(h, id).status).toBe('executed');
    expect(runStatuses(h, 'decided')).toEqual(['succeeded']);
    expect(h.roku(['approval', 'approve', id]).stderr).toContain('[ROKU_APPROVAL_ALREADY_DECIDED]');
  });

  it('a reject after the approver died holds: the call never runs', async () => {
    const h = await devHome();
    const id = pausedTicket(h, 'changed');
    crashApprove(h, id, 'approval-decided');
    const r = h.roku(['approval', 'reject', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('denied: the user rejected this call');
    expect(file(h)).toBeUndefined();
    expect(ticket(h, id).status).toBe('rejected');
  });

  it('approver killed after claiming, before the call was sent: asked again with "may have run"; approving runs it once', async () => {
    const h = await devHome();
    const id = pausedTicket(h, 'claimed');
    crashApprove(h, id, 'approval-claimed');
    expect(file(h)).toBeUndefined();
    const asked = ticket(h, id);
    expect(asked.status).toBe('pending');
    expect(asked.note).toMatch(/^may have run: process \d+ started this approved call/);
    const listed = h.roku(['approval', 'list']);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('[may have run]');
    expect(h.roku(['approval', 'show', id]).stdout).toContain('note     may have run');
    const again = h.roku(['approval', 'approve', id]);
    expect(again.code, again.stderr).toBe(0);
    expect(file(h)).toBe('x\n');
    expect(runStatuses(h, 'claimed')).toEqual(['succeeded']);
  });

  it('approver killed after the write, before recording it: the user sees "may have run" and rejecting keeps it once', async () => {
    const h = await devHome();
    const id = pausedTicket(h, 'ran');
    crashApprove(h, id, 'approval-ran');
    expect(file(h)).toBe('x\n');
    const asked = ticket(h, id);
    expect(asked.status).toBe('pending');
    expect(asked.note).toMatch(/^may have run/);
    const r = h.roku(['approval', 'reject', id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded' });
    expect(r.stdout).toContain('not run again: an earlier attempt of this approved call may have run');
    expect(file(h)).toBe('x\n');
    expect(ticket(h, id).status).toBe('rejected');
  });
});
