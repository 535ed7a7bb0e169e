import { describe, expect, it } from 'vitest';
import { clock, deadPid, openStore, sessionWithRun, thrown, ticket } from './helpers.js';
import type { Store } from '../../src/store/index.js';

const DIGEST = 'a'.repeat(64);

/** A ticket approved and claimed by `pid` (the run's owner), lease until `leaseUntil`. */
function claimedBy(store: Store, pid: number, leaseUntil: number, risk: string[]): void {
  sessionWithRun(store);
  store.createApproval(ticket({ risk }), {});
  store.resumeDecidedRun('appr-1', { decision: { approved: true, by: 'test' }, pid, isAlive: () => true });
  expect(store.claimApprovalExecution('appr-1', DIGEST, { pid, leaseUntil })).toBe(true);
}

describe('recovery of approved calls whose process died', () => {
  it('asks again, with what is known, about a write whose process died while executing it', () => {
    const { store } = openStore();
    const dead = deadPid();
    claimedBy(store, dead, Date.now() + 60_000, ['fs-write']);
    expect(store.recoverStaleRuns()).toBe(1);
    expect(store.getRun('run-1')).toMatchObject({ status: 'awaiting_approval', ownerPid: null });
    const again = store.getApproval('appr-1');
    expect(again).toMatchObject({ status: 'pending', decidedBy: null, claimPid: null });
    expect(again?.note).toMatch(new RegExp(`^may have run: process ${dead} started this approved call`));
    // The user decides again; the run is theirs to resume.
    const decided = store.resumeDecidedRun('appr-1', {
      decision: { approved: false, by: 'test' },
      pid: process.pid,
      isAlive: () => true,
    });
    expect(decided.status).toBe('rejected');
    expect(store.getRun('run-1')).toMatchObject({ status: 'running', ownerPid: process.pid });
  });

  it('runs a read-only call again without asking', () => {
    const { store } = openStore();
    claimedBy(store, deadPid(), Date.now() + 60_000, ['read']);
    store.recoverStaleRuns();
    expect(store.getApproval('appr-1')).toMatchObject({ status: 'approved', decidedBy: 'test' });
    expect(store.getApproval('appr-1')?.note).toMatch(/read-only call .* runs again/);
    expect(store.claimApprovalExecution('appr-1', DIGEST, { pid: process.pid, leaseUntil: 1 })).toBe(true);
  });

  it('keeps an approved call that never started: the run waits to be resumed, not interrupted', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    const dead = deadPid();
    store.resumeDecidedRun('appr-1', {
      decision: { approved: true, by: 'test' },
      pid: dead,
      isAlive: () => true,
    });
    expect(store.getRun('run-1')?.status).toBe('running');
    store.recoverStaleRuns();
    expect(store.getRun('run-1')?.status).toBe('awaiting_approval');
    expect(store.getApproval('appr-1')?.status).toBe('approved');
  });

  it('recovers a claim that outlived its lease although its pid is alive (a reused pid or a hung process)', () => {
    const time = clock(Date.now());
    const { store } = openStore({ now: time.now });
    claimedBy(store, process.pid + 1_000_000, time.now() + 1_000, ['fs-write']);
    const alive = (): boolean => true;
    expect(store.recoverStaleRuns(alive)).toBe(0);
    time.advance(2_000);
    expect(store.recoverStaleRuns(alive)).toBe(1);
    expect(store.getApproval('appr-1')?.status).toBe('pending');
  });

  it('lets only one process resume a paused run', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    const other = process.pid + 1_000_000;
    store.resumeDecidedRun('appr-1', {
      decision: { approved: true, by: 'a' },
      pid: other,
      isAlive: () => true,
    });
    const second = thrown(() =>
      store.resumeDecidedRun('appr-1', {
        decision: { approved: true, by: 'b' },
        pid: process.pid,
        isAlive: () => true,
      }),
    );
    expect(second?.code).toBe('ROKU_SESSION_BUSY');
  });
});
