import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { LoopEvent } from '../../src/events/loop-events.js';
import { createStore } from '../../src/store/index.js';
import type { NewApproval, Store, StoreOptions } from '../../src/store/index.js';

const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

/** Runs `fn` after the current test (stores are closed, temp folders removed). */
export function onCleanup(fn: () => void): void {
  cleanup.push(fn);
}

export interface TempHome {
  readonly dir: string;
  readonly file: string;
  readonly traceDir: string;
}

/** A fresh temp folder with the paths a store uses; removed after the test. */
export function tempHome(): TempHome {
  const dir = tempDir('store');
  return { dir, file: join(dir, 'state', 'roku.db'), traceDir: join(dir, 'traces') };
}

/** Opens a store on `home` (a new temp home by default); closed after the test. */
export function openStore(
  options: Partial<StoreOptions> = {},
  home: TempHome = tempHome(),
): { store: Store; home: TempHome } {
  const store = createStore({ file: home.file, traceDir: home.traceDir, ...options });
  onCleanup(() => {
    store.close();
  });
  return { store, home };
}

/** The `code` of what `fn` throws, or undefined when it returns. */
export function thrown(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err as { code?: string; message: string };
  }
}

/** The pid of a process that has exited (and been reaped). */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

/** A settable clock for `StoreOptions.now`. */
export function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return {
    now: () => at,
    advance(ms) {
      at += ms;
    },
  };
}

/** A session with a `running` run owned by this process. */
export function sessionWithRun(store: Store, sessionId = 'chat-default', runId = 'run-1'): void {
  store.ensureSession(sessionId);
  store.startRun({ id: runId, sessionId, goal: 'do things', ownerPid: process.pid, state: { step: 0 } });
}

export function ticket(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    id: 'appr-1',
    runId: 'run-1',
    sessionId: 'chat-default',
    toolCallId: 'call-1',
    toolName: 'shell',
    arguments: { command: 'rm -rf build' },
    digest: 'a'.repeat(64),
    risk: ['exec', 'fs-write'],
    ...overrides,
  };
}

export function textDelta(text: string, step = 1): LoopEvent {
  return { type: 'LlmTextDelta', step, agent_id: 'main', text };
}
