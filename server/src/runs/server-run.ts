import { randomUUID } from 'node:crypto';
import type { AgentRuntime, RunResult, RunRow, RunStatus } from '@roku/host';
import { EventLog } from './event-log.js';

/** What a run on a busy session does: refuse (409), wait its turn, or interrupt the current run. */
export type BusyStrategy = 'reject' | 'enqueue' | 'interrupt';
export const BUSY_STRATEGIES: readonly BusyStrategy[] = ['reject', 'enqueue', 'interrupt'];

/** `queued` until its turn on a busy session (strategy enqueue), then the host's run statuses. */
export type ServerRunStatus = 'queued' | RunStatus;

export interface Webhook {
  readonly url: string;
  readonly secret: string;
}

/** A run as this server tracks it: the host's run plus its event log, its cancel switch and who asked. */
export interface ServerRun {
  readonly id: string;
  readonly sessionId: string;
  readonly goal: string;
  readonly createdAt: number;
  readonly log: EventLog;
  readonly actor: string;
  readonly traceId: string | null;
  /** The request's W3C parent (trace and span id), for the run's spans. */
  readonly traceParent?: { readonly traceId: string; readonly spanId: string };
  readonly model?: string;
  readonly webhook?: Webhook;
  status: ServerRunStatus;
  updatedAt: number;
  result?: RunResult;
  error?: { readonly code: string; readonly message: string };
  controller: AbortController;
  /** Settles when the current leg (start to finish or pause) ends; for a queued run, when its first leg ends. */
  settled: Promise<void>;
  /** While queued: settles `settled` (the run was cancelled, or its first leg ended). */
  releaseQueued?: () => void;
  /** When the current leg started, for time to first token. */
  legStartedAt: number;
  firstTokenSeen: boolean;
}

/** Same shape as the host's run ids, so both kinds read alike in logs and traces. */
export function newServerRunId(): string {
  return `run-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/** The public JSON of a run (routes, webhooks). */
export function runJson(run: ServerRun): Record<string, unknown> {
  const r = run.result;
  return {
    id: run.id,
    object: 'run',
    sessionId: run.sessionId,
    status: run.status,
    goal: run.goal,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    lastEventId: run.log.lastId,
    traceId: run.traceId,
    message: r?.message ?? null,
    model: r?.model ?? null,
    approvalId: r?.approvalId ?? null,
    usage: r?.usage ?? null,
    steps: r?.steps ?? null,
    error: run.error ?? r?.error ?? null,
  };
}

/** The public JSON of a run this process never drove (or forgot): from the host's store. */
export function storedRunJson(row: RunRow, lastEventId: number): Record<string, unknown> {
  return {
    id: row.id,
    object: 'run',
    sessionId: row.sessionId,
    status: row.status,
    goal: row.goal,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastEventId,
    traceId: null,
    message: row.resultMessage,
    model: null,
    approvalId: null,
    usage: null,
    steps: null,
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? '' },
  };
}

/** A run this process did not start (paused by an earlier server, or by the CLI), to resume or cancel here. */
export function adoptedRun(store: AgentRuntime['store'], runId: string, sessionId: string): ServerRun {
  const row = store.getRun(runId);
  const now = Date.now();
  return {
    id: runId,
    sessionId,
    goal: row?.goal ?? '',
    createdAt: row?.createdAt ?? now,
    updatedAt: now,
    log: new EventLog(store.listEvents(runId)),
    actor: 'unknown',
    traceId: null,
    status: row?.status ?? 'awaiting_approval',
    controller: new AbortController(),
    settled: Promise.resolve(),
    legStartedAt: now,
    firstTokenSeen: false,
  };
}
