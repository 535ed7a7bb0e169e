import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { clock, openStore, sessionWithRun, thrown, ticket } from './helpers.js';

describe('store approvals', () => {
  it('writes the ticket, the checkpoint and the paused status together', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    sessionWithRun(store);
    const row = store.createApproval(ticket(), { step: 3, pending: 'call-1' });
    expect(row).toEqual({
      id: 'appr-1',
      runId: 'run-1',
      sessionId: 'chat-default',
      toolCallId: 'call-1',
      toolName: 'shell',
      arguments: { command: 'rm -rf build' },
      digest: 'a'.repeat(64),
      risk: ['exec', 'fs-write'],
      status: 'pending',
      decidedBy: null,
      comment: null,
      createdAt: time.now(),
      decidedAt: null,
      result: null,
      claimPid: null,
      leaseUntil: null,
      note: null,
    });
    expect(store.getApproval('appr-1')).toEqual(row);
    expect(store.getRun('run-1')).toMatchObject({
      status: 'awaiting_approval',
      state: { step: 3, pending: 'call-1' },
    });
  });

  it('writes nothing when the run is unknown', () => {
    const { store } = openStore();
    sessionWithRun(store);
    expect(thrown(() => store.createApproval(ticket({ runId: 'nope' }), {}))?.code).toBe(
      'ROKU_RUN_NOT_FOUND',
    );
    expect(store.listApprovals()).toEqual([]);
    expect(store.getRun('run-1')?.status).toBe('running');
  });

  it('approves a pending ticket once, then executes it exactly once', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    const digest = 'a'.repeat(64);
    expect(store.claimApprovalExecution('appr-1', digest)).toBe(false); // still pending
    time.advance(100);
    const approved = store.decideApproval('appr-1', {
      approved: true,
      by: 'cli:alice',
      comment: 'fine',
      expectedDigest: digest,
    });
    expect(approved).toMatchObject({
      status: 'approved',
      decidedBy: 'cli:alice',
      comment: 'fine',
      decidedAt: time.now(),
    });
    const again = thrown(() => store.decideApproval('appr-1', { approved: false, by: 'http' }));
    expect(again?.code).toBe('ROKU_APPROVAL_ALREADY_DECIDED');
    expect(again?.message).toContain('cli:alice');
    expect(store.claimApprovalExecution('appr-1', digest)).toBe(true);
    expect(store.claimApprovalExecution('appr-1', digest)).toBe(false);
    expect(store.getApproval('appr-1')?.status).toBe('executing');
    store.completeApprovalExecution('appr-1', { exitCode: 0, stdout: 'ok' });
    expect(store.getApproval('appr-1')).toMatchObject({
      status: 'executed',
      result: { exitCode: 0, stdout: 'ok' },
    });
    expect(store.claimApprovalExecution('appr-1', digest)).toBe(false);
    expect(
      thrown(() => {
        store.completeApprovalExecution('appr-1', null);
      })?.code,
    ).toBe('ROKU_APPROVAL_ALREADY_DECIDED');
  });

  it('refuses a decision or an execution whose digest differs from the ticket', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    const wrong = 'b'.repeat(64);
    const decide = thrown(() =>
      store.decideApproval('appr-1', { approved: true, by: 'x', expectedDigest: wrong }),
    );
    expect(decide?.code).toBe('ROKU_APPROVAL_DIGEST_MISMATCH');
    expect(store.getApproval('appr-1')?.status).toBe('pending');
    store.decideApproval('appr-1', { approved: true, by: 'x' });
    expect(thrown(() => store.claimApprovalExecution('appr-1', wrong))?.code).toBe(
      'ROKU_APPROVAL_DIGEST_MISMATCH',
    );
    expect(store.getApproval('appr-1')?.status).toBe('approved');
  });

  it('rejects and cancels tickets, which then never execute', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    store.createApproval(ticket({ id: 'appr-2', toolCallId: 'call-2' }), {});
    store.createApproval(ticket({ id: 'appr-3', toolCallId: 'call-3' }), {});
    expect(store.decideApproval('appr-1', { approved: false, by: 'bob' }).status).toBe('rejected');
    expect(store.claimApprovalExecution('appr-1', 'a'.repeat(64))).toBe(false);
    store.decideApproval('appr-3', { approved: true, by: 'bob' });
    expect(store.cancelApprovals('run-1')).toBe(1);
    expect(store.getApproval('appr-2')?.status).toBe('cancelled');
    expect(thrown(() => store.decideApproval('appr-2', { approved: true, by: 'x' }))?.code).toBe(
      'ROKU_APPROVAL_ALREADY_DECIDED',
    );
    expect(store.getApproval('appr-3')?.status).toBe('approved');
    expect(store.cancelApprovals('run-1')).toBe(0);
  });

  it('cancels open tickets when their run finishes', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), {});
    store.finishRun('run-1', 'interrupted', { message: 'ctrl-c', errorCode: 'ROKU_RUN_INTERRUPTED' });
    expect(store.getApproval('appr-1')?.status).toBe('cancelled');
  });

  it('reports unknown tickets', () => {
    const { store } = openStore();
    expect(store.getApproval('nope')).toBeUndefined();
    expect(thrown(() => store.decideApproval('nope', { approved: true, by: 'x' }))?.code).toBe(
      'ROKU_APPROVAL_NOT_FOUND',
    );
    expect(thrown(() => store.claimApprovalExecution('nope', 'd'))?.code).toBe('ROKU_APPROVAL_NOT_FOUND');
    expect(
      thrown(() => {
        store.completeApprovalExecution('nope', 1);
      })?.code,
    ).toBe('ROKU_APPROVAL_NOT_FOUND');
  });

  it('lists tickets by status, session and run, newest first', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    sessionWithRun(store);
    store.ensureSession('other');
    store.startRun({ id: 'run-2', sessionId: 'other', goal: 'g', ownerPid: process.pid, state: null });
    store.createApproval(ticket(), {});
    time.advance(1);
    store.createApproval(ticket({ id: 'appr-2', runId: 'run-2', sessionId: 'other' }), {});
    time.advance(1);
    store.createApproval(ticket({ id: 'appr-3' }), {});
    store.decideApproval('appr-3', { approved: false, by: 'x' });
    expect(store.listApprovals().map((a) => a.id)).toEqual(['appr-3', 'appr-2', 'appr-1']);
    expect(store.listApprovals({ status: 'pending' }).map((a) => a.id)).toEqual(['appr-2', 'appr-1']);
    expect(store.listApprovals({ sessionId: 'other' }).map((a) => a.id)).toEqual(['appr-2']);
    expect(store.listApprovals({ runId: 'run-1', status: 'rejected' }).map((a) => a.id)).toEqual(['appr-3']);
  });

  it('keeps tickets and checkpoints across close and reopen', () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    store.createApproval(ticket(), { resume: 'here' });
    store.close();
    const reopened = createStore({ file: home.file, traceDir: home.traceDir });
    try {
      expect(reopened.getApproval('appr-1')?.status).toBe('pending');
      expect(reopened.getRun('run-1')).toMatchObject({
        status: 'awaiting_approval',
        state: { resume: 'here' },
      });
      reopened.decideApproval('appr-1', { approved: true, by: 'later' });
      expect(reopened.claimApprovalExecution('appr-1', 'a'.repeat(64))).toBe(true);
    } finally {
      reopened.close();
    }
  });
});
