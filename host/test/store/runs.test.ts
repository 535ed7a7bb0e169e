import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/store/index.js';
import { clock, deadPid, openStore, thrown, ticket } from './helpers.js';

describe('store runs', () => {
  it("gives one field of the session's newest run's checkpoint", () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    store.ensureSession('s');
    expect(store.latestRunStateField('s', 'loadedTools')).toBeUndefined();
    const start = (id: string, state: unknown): void => {
      store.startRun({ id, sessionId: 's', goal: 'g', ownerPid: process.pid, state });
      store.finishRun(id, 'succeeded', { message: 'ok' });
      time.advance(1);
    };
    start('run-1', { loadedTools: ['a'] });
    start('run-2', { loadedTools: ['b', 'c'], other: 1 });
    expect(store.latestRunStateField('s', 'loadedTools')).toEqual(['b', 'c']);
    expect(store.latestRunStateField('s', 'missing')).toBeUndefined();
    start('run-3', null);
    expect(store.latestRunStateField('s', 'loadedTools')).toBeUndefined();
    expect(() => store.latestRunStateField('s', 'a.b')).toThrow(RangeError);
  });

  it('registers a run as running with its checkpoint, then records the result', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    store.ensureSession('s');
    const run = store.startRun({
      id: 'run-1',
      sessionId: 's',
      goal: 'fix the build',
      ownerPid: process.pid,
      state: { step: 0, messages: ['a'] },
    });
    expect(run).toEqual({
      id: 'run-1',
      sessionId: 's',
      parentRunId: null,
      goal: 'fix the build',
      status: 'running',
      ownerPid: process.pid,
      state: { step: 0, messages: ['a'] },
      resultMessage: null,
      errorCode: null,
      errorMessage: null,
      createdAt: time.now(),
      updatedAt: time.now(),
    });
    time.advance(5);
    store.checkpointRun('run-1', { step: 1 });
    expect(store.getRun('run-1')).toMatchObject({
      state: { step: 1 },
      status: 'running',
      updatedAt: time.now(),
    });
    store.finishRun('run-1', 'failed', {
      message: 'no luck',
      errorCode: 'ROKU_RUN_FAILED',
      errorMessage: 'gave up',
    });
    expect(store.getRun('run-1')).toMatchObject({
      status: 'failed',
      ownerPid: null,
      resultMessage: 'no luck',
      errorCode: 'ROKU_RUN_FAILED',
      errorMessage: 'gave up',
    });
    expect(store.getSession('s')?.lastRunStatus).toBe('failed');
  });

  it('links sub-agent runs to their parent and lists runs newest first', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    store.ensureSession('s');
    store.ensureSession('t');
    store.startRun({ id: 'main', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null });
    time.advance(1);
    store.startRun({
      id: 'sub-1',
      sessionId: 't',
      parentRunId: 'main',
      goal: 'g',
      ownerPid: process.pid,
      state: 1,
    });
    expect(store.getRun('sub-1')?.parentRunId).toBe('main');
    expect(store.listRuns().map((r) => r.id)).toEqual(['sub-1', 'main']);
    expect(store.listRuns({ sessionId: 's' }).map((r) => r.id)).toEqual(['main']);
    expect(store.listRuns({ limit: 1 }).map((r) => r.id)).toEqual(['sub-1']);
  });

  it('lets a sub-agent run start in the session its running parent drives', () => {
    const { store } = openStore();
    store.ensureSession('s');
    store.startRun({ id: 'main', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null });
    store.startRun({
      id: 'sub-1',
      sessionId: 's',
      parentRunId: 'main',
      goal: 'g',
      ownerPid: process.pid,
      state: 1,
    });
    store.startRun({
      id: 'sub-2',
      sessionId: 's',
      parentRunId: 'sub-1',
      goal: 'g',
      ownerPid: process.pid,
      state: 2,
    });
    expect(store.listRuns({ sessionId: 's' }).map((r) => r.status)).toEqual([
      'running',
      'running',
      'running',
    ]);
    expect(
      thrown(() =>
        store.startRun({ id: 'other', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null }),
      )?.code,
    ).toBe('ROKU_SESSION_BUSY');
    expect(
      thrown(() =>
        store.startRun({
          id: 'x',
          sessionId: 's',
          parentRunId: 'nope',
          goal: 'g',
          ownerPid: process.pid,
          state: null,
        }),
      )?.code,
    ).toBe('ROKU_RUN_NOT_FOUND');
  });

  it('refuses run ids that cannot name a trace file and unknown sessions or runs', () => {
    const { store } = openStore();
    store.ensureSession('s');
    const start =
      (id: string, sessionId = 's') =>
      () =>
        store.startRun({ id, sessionId, goal: 'g', ownerPid: process.pid, state: null });
    expect(thrown(start('../x'))?.message).toMatch(/run id/);
    expect(thrown(start('a:b'))?.message).toMatch(/run id/);
    expect(thrown(start('ok', 'missing'))?.code).toBe('ROKU_SESSION_NOT_FOUND');
    expect(
      thrown(() => {
        store.checkpointRun('nope', {});
      })?.code,
    ).toBe('ROKU_RUN_NOT_FOUND');
    expect(
      thrown(() => {
        store.finishRun('nope', 'succeeded', { message: '' });
      })?.code,
    ).toBe('ROKU_RUN_NOT_FOUND');
    expect(store.getRun('nope')).toBeUndefined();
  });

  it('refuses a second run while a live process drives the session, naming the run', () => {
    const { store } = openStore();
    store.ensureSession('s');
    store.startRun({ id: 'run-1', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null });
    const error = thrown(() =>
      store.startRun({ id: 'run-2', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null }),
    );
    expect(error?.code).toBe('ROKU_SESSION_BUSY');
    expect(error?.message).toContain('run-1');
    expect(error?.message).toContain(String(process.pid));
    expect(store.getRun('run-2')).toBeUndefined();
    // other sessions are not affected
    store.ensureSession('t');
    expect(
      store.startRun({ id: 'run-3', sessionId: 't', goal: 'g', ownerPid: process.pid, state: null }).status,
    ).toBe('running');
  });

  it('interrupts a run whose owner process died and lets the next one start', () => {
    const { store } = openStore();
    store.ensureSession('s');
    const dead = deadPid();
    expect(isProcessAlive(dead)).toBe(false);
    store.startRun({ id: 'run-1', sessionId: 's', goal: 'g', ownerPid: dead, state: null });
    const run = store.startRun({
      id: 'run-2',
      sessionId: 's',
      goal: 'g',
      ownerPid: process.pid,
      state: null,
    });
    expect(run.status).toBe('running');
    expect(store.getRun('run-1')).toMatchObject({
      status: 'interrupted',
      ownerPid: null,
      errorCode: 'ROKU_RUN_INTERRUPTED',
    });
    expect(store.getRun('run-1')?.errorMessage).toContain(String(dead));
  });

  it('refuses a new run while one awaits approval, naming the run and the ticket', () => {
    const { store } = openStore();
    store.ensureSession('chat-default');
    store.startRun({ id: 'run-1', sessionId: 'chat-default', goal: 'g', ownerPid: process.pid, state: null });
    store.createApproval(ticket(), { paused: true });
    // the owner does not matter while a ticket is open: it can be decided from any process
    const error = thrown(() =>
      store.startRun(
        { id: 'run-2', sessionId: 'chat-default', goal: 'g', ownerPid: 1, state: null },
        () => false,
      ),
    );
    expect(error?.code).toBe('ROKU_SESSION_BUSY');
    expect(error?.message).toContain('run-1');
    expect(error?.message).toContain('appr-1');
    expect(error?.message).toMatch(/approve or reject/);
    // deleting the session is allowed: its tickets go with it
    expect(store.deleteSession('chat-default')).toBe(true);
  });

  it('refuses to delete a session while a live process drives one of its runs', () => {
    const { store } = openStore();
    store.ensureSession('s');
    store.startRun({ id: 'run-1', sessionId: 's', goal: 'g', ownerPid: process.pid, state: null });
    expect(thrown(() => store.deleteSession('s'))?.code).toBe('ROKU_SESSION_BUSY');
    expect(store.deleteSession('s', () => false)).toBe(true);
  });

  it('recovers stale running runs and cancels their open tickets', () => {
    const { store } = openStore();
    store.ensureSession('chat-default');
    store.ensureSession('other');
    const dead = deadPid();
    store.startRun({ id: 'run-1', sessionId: 'chat-default', goal: 'g', ownerPid: dead, state: null });
    store.startRun({ id: 'run-2', sessionId: 'other', goal: 'g', ownerPid: process.pid, state: null });
    expect(store.recoverStaleRuns()).toBe(1);
    expect(store.getRun('run-1')?.status).toBe('interrupted');
    expect(store.getRun('run-2')?.status).toBe('running');
    expect(store.recoverStaleRuns((pid) => pid !== process.pid)).toBe(1);
    expect(store.getRun('run-2')?.status).toBe('interrupted');
  });

  it('resumes a paused run through checkpointRun with a new owner', () => {
    const { store } = openStore();
    store.ensureSession('chat-default');
    store.startRun({ id: 'run-1', sessionId: 'chat-default', goal: 'g', ownerPid: 1234, state: null });
    store.createApproval(ticket(), { at: 'approval' });
    expect(store.getRun('run-1')).toMatchObject({ status: 'awaiting_approval', ownerPid: null });
    store.checkpointRun('run-1', { at: 'resumed' }, { status: 'running', ownerPid: process.pid });
    expect(store.getRun('run-1')).toMatchObject({
      status: 'running',
      ownerPid: process.pid,
      state: { at: 'resumed' },
    });
    store.finishRun('run-1', 'succeeded', { message: 'done' });
    expect(store.getRun('run-1')).toMatchObject({
      status: 'succeeded',
      resultMessage: 'done',
      errorCode: null,
    });
  });

  it('treats its own pid as alive and pids that address groups as dead', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });
});
