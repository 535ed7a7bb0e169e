import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoopEvent } from '../../src/events/loop-events.js';
import { MAX_EVENTS_PER_RUN } from '../../src/store/index.js';
import { clock, openStore, sessionWithRun, textDelta, thrown } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

describe('store events and traces', () => {
  it('stores events in order and writes one trace line per event', () => {
    const time = clock();
    const { store, home } = openStore({ now: time.now });
    sessionWithRun(store);
    const events: LoopEvent[] = [
      {
        type: 'RunStarted',
        step: 0,
        agent_id: 'main',
        run_id: 'run-1',
        session_id: 'chat-default',
        snapshot: 1,
      },
      textDelta('Hel'),
      textDelta('lo'),
      { type: 'RunFinished', step: 1, agent_id: 'main', status: 'succeeded', message: 'Hello' },
    ];
    for (const event of events) store.appendEvent('run-1', event);
    expect(store.listEvents('run-1')).toEqual(events);
    const file = join(home.traceDir, 'run-1.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(
      events.map((event, index) => ({ ts: time.now(), seq: index + 1, ...event })),
    );
    expect(store.traceInfo('run-1')).toEqual({
      runId: 'run-1',
      file,
      bytes: statSync(file).size,
      dropped: 0,
      eventsDropped: 0,
    });
  });

  it('has no trace for runs without events and refuses events of unknown runs', () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    expect(store.traceInfo('run-1')).toBeUndefined();
    expect(store.listEvents('run-1')).toEqual([]);
    expect(
      thrown(() => {
        store.appendEvent('nope', textDelta('x'));
      })?.code,
    ).toBe('ROKU_RUN_NOT_FOUND');
    expect(existsSync(home.traceDir)).toBe(false);
  });

  it('stops writing the trace at traceMaxBytes and counts the dropped events', () => {
    const { store } = openStore({ traceMaxBytes: 4096 });
    sessionWithRun(store);
    const big = 'x'.repeat(900);
    for (let i = 0; i < 10; i += 1) store.appendEvent('run-1', textDelta(big));
    // a small event that would still fit is dropped too: the trace stays a prefix of the run
    store.appendEvent('run-1', textDelta('.'));
    const info = store.traceInfo('run-1');
    const lines = readFileSync(info!.file, 'utf8').trimEnd().split('\n');
    expect(info!.bytes).toBeLessThanOrEqual(4096);
    expect(lines).toHaveLength(4);
    expect(info!.dropped).toBe(7);
    expect((JSON.parse(lines[3]!) as { seq: number }).seq).toBe(4);
    // the events table still has every event
    expect(store.listEvents('run-1')).toHaveLength(11);
  });

  it(`keeps at most ${MAX_EVENTS_PER_RUN} events per run in the table`, () => {
    const { store } = openStore({ traceMaxBytes: 64 * 1024 });
    sessionWithRun(store);
    for (let i = 0; i < MAX_EVENTS_PER_RUN + 5; i += 1) store.appendEvent('run-1', textDelta(String(i)));
    const events = store.listEvents('run-1');
    expect(events).toHaveLength(MAX_EVENTS_PER_RUN);
    expect(events.at(-1)).toEqual(textDelta(String(MAX_EVENTS_PER_RUN - 1)));
    const info = store.traceInfo('run-1');
    expect(info?.eventsDropped).toBe(5);
    expect(info?.dropped).toBeGreaterThan(0);
  });

  it('prunes traces and events of runs finished before the retention, keeping open runs', () => {
    const time = clock();
    const { store, home } = openStore({ now: time.now, traceRetentionDays: 7 });
    for (const id of ['old', 'recent', 'paused', 'live']) {
      store.ensureSession(id);
      store.startRun({ id, sessionId: id, goal: 'g', ownerPid: process.pid, state: null });
      store.appendEvent(id, textDelta(id));
      if (id === 'paused') {
        store.createApproval(
          {
            id: 'a1',
            runId: id,
            sessionId: id,
            toolCallId: 'c',
            toolName: 't',
            arguments: {},
            digest: 'd',
            risk: [],
          },
          {},
        );
      } else if (id !== 'live') {
        store.finishRun(id, 'succeeded', { message: 'ok' });
      }
      if (id === 'old') time.advance(5 * DAY);
    }
    time.advance(3 * DAY); // "old" finished 8 days ago, "recent" 3 days ago
    expect(store.pruneTraces()).toBe(1);
    expect(existsSync(join(home.traceDir, 'old.jsonl'))).toBe(false);
    expect(store.listEvents('old')).toEqual([]);
    expect(store.traceInfo('old')).toBeUndefined();
    expect(store.getRun('old')?.status).toBe('succeeded');
    for (const id of ['recent', 'paused', 'live']) {
      expect(existsSync(join(home.traceDir, `${id}.jsonl`))).toBe(true);
      expect(store.listEvents(id)).toHaveLength(1);
    }
    time.advance(30 * DAY);
    expect(store.pruneTraces()).toBe(1);
    expect(store.listEvents('recent')).toEqual([]);
    expect(store.listEvents('paused')).toHaveLength(1);
    expect(store.listEvents('live')).toHaveLength(1);
  });

  it('removes orphan trace files older than the retention and leaves other files alone', () => {
    const time = clock(Date.now());
    const { store, home } = openStore({ now: time.now, traceRetentionDays: 1 });
    mkdirSync(home.traceDir, { recursive: true });
    const orphanOld = join(home.traceDir, 'gone-run.jsonl');
    const orphanNew = join(home.traceDir, 'fresh-run.jsonl');
    const notOurs = join(home.traceDir, 'notes.txt');
    for (const file of [orphanOld, orphanNew, notOurs]) writeFileSync(file, '{}\n');
    const twoDaysAgo = (Date.now() - 2 * DAY) / 1000;
    utimesSync(orphanOld, twoDaysAgo, twoDaysAgo);
    utimesSync(notOurs, twoDaysAgo, twoDaysAgo);
    expect(store.pruneTraces()).toBe(1);
    expect(existsSync(orphanOld)).toBe(false);
    expect(existsSync(orphanNew)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
  });

  it('keeps everything when traceRetentionDays is 0', () => {
    const time = clock();
    const { store } = openStore({ now: time.now, traceRetentionDays: 0 });
    sessionWithRun(store);
    store.appendEvent('run-1', textDelta('x'));
    store.finishRun('run-1', 'succeeded', { message: 'ok' });
    time.advance(10_000 * DAY);
    expect(store.pruneTraces()).toBe(0);
    expect(store.listEvents('run-1')).toHaveLength(1);
  });

  it('commits the events reported so far with the next checkpoint, as another process sees them', async () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    const other = openStore({}, home).store;
    for (const text of ['a', 'b', 'c']) store.appendEvent('run-1', textDelta(text));
    store.checkpointRun('run-1', { step: 1 });
    expect(other.listEvents('run-1')).toEqual([textDelta('a'), textDelta('b'), textDelta('c')]);
    // the trace file follows within moments: a run's file is created off the turn's path
    for (let i = 0; i < 200 && (other.traceInfo('run-1')?.bytes ?? 0) === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(other.traceInfo('run-1')?.bytes).toBeGreaterThan(0);
    store.appendEvent('run-1', textDelta('d'));
    store.finishRun('run-1', 'succeeded', { message: 'ok' });
    expect(other.listEvents('run-1')).toHaveLength(4);
  });

  it('writes pending events on close, and within moments without any checkpoint', async () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    const other = openStore({}, home).store;
    store.appendEvent('run-1', textDelta('soon'));
    for (let i = 0; i < 200 && other.listEvents('run-1').length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(other.listEvents('run-1')).toEqual([textDelta('soon')]);
    store.appendEvent('run-1', textDelta('at close'));
    store.close();
    expect(other.listEvents('run-1')).toEqual([textDelta('soon'), textDelta('at close')]);
  });

  it("drops the pending events of a run deleted before they were written, and keeps the others'", () => {
    const { store } = openStore();
    sessionWithRun(store, 'gone', 'run-gone');
    sessionWithRun(store, 'kept', 'run-kept');
    store.appendEvent('run-gone', textDelta('x'));
    store.appendEvent('run-kept', textDelta('y'));
    store.finishRun('run-gone', 'succeeded', { message: 'ok' });
    store.appendEvent('run-gone', textDelta('after'));
    expect(store.deleteSession('gone')).toBe(true);
    store.flushEvents();
    expect(store.listEvents('run-gone')).toEqual([]);
    expect(store.listEvents('run-kept')).toEqual([textDelta('y')]);
  });
});
