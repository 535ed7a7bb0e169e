import { isRokuError, RokuError } from '@roku/schemas';
import { observeSandboxCalls } from '@roku/host';
import type { AgentRuntime, LoopEvent, RunHandlers, RunResult, SandboxCallRecord } from '@roku/host';
import type { Logger } from 'pino';
import { EventLog } from './event-log.js';
import { adoptedRun, newServerRunId } from './server-run.js';
import type { BusyStrategy, ServerRun, Webhook } from './server-run.js';

export interface StartRequest {
  readonly sessionId: string;
  readonly goal: string;
  readonly strategy: BusyStrategy;
  readonly actor: string;
  readonly traceId: string | null;
  readonly traceParent?: { readonly traceId: string; readonly spanId: string };
  readonly model?: string;
  readonly planMode?: boolean;
  readonly webhook?: Webhook;
  /** Run id to use (an idempotent retry names it beforehand). */
  readonly runId?: string;
  /** The session was just made up by the server: it has no run, so the store is not asked for a paused one. */
  readonly fresh?: boolean;
}

export interface DecideRequest {
  readonly approved: boolean;
  readonly by: string;
  readonly comment?: string;
  readonly expectedDigest?: string;
  readonly alwaysForSession?: boolean;
}

export interface RunManagerOptions {
  readonly runtime: AgentRuntime;
  readonly logger: Logger;
  /** Every event of every run, after it is logged (metrics). */
  readonly onEvent?: (run: ServerRun, event: LoopEvent) => void;
  /** A leg ended: finished, failed, interrupted or paused on an approval (metrics, webhooks). */
  readonly onSettled?: (run: ServerRun) => void;
  /** Every plugin call a run's leg made, once it ended (tracing spans). */
  readonly onSandboxCall?: (run: ServerRun, call: SandboxCallRecord) => void;
  /** How many finished runs stay in memory for streams and polls (the store keeps them all). */
  readonly keepFinished?: number;
}

interface Lane {
  current: ServerRun | undefined;
  readonly queue: ServerRun[];
}

/**
 * Drives the host's runs for the HTTP API: one lane per session (a run at a time, others refused, queued or
 * interrupting it), approval resumes, cancels, and a drain for graceful shutdown. Runs use the host's `pause`
 * approval mode, so a run that needs approval stops, is recorded, and resumes from any process.
 */
export class RunManager {
  readonly #opts: RunManagerOptions;
  readonly #runs = new Map<string, ServerRun>();
  readonly #lanes = new Map<string, Lane>();
  #closing = false;

  constructor(options: RunManagerOptions) {
    this.#opts = options;
  }

  get active(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += (lane.current === undefined ? 0 : 1) + lane.queue.length;
    return n;
  }

  get(runId: string): ServerRun | undefined {
    return this.#runs.get(runId);
  }

  /** The run's event log: live when this process knows it, else the store's record (undefined: no such run). */
  logOf(runId: string): EventLog | undefined {
    const known = this.#runs.get(runId);
    if (known !== undefined) return known.log;
    if (this.#opts.runtime.store.getRun(runId) === undefined) return undefined;
    return new EventLog(this.#opts.runtime.store.listEvents(runId));
  }

  /**
   * Starts (or queues) a run. Resolves once the host registered it or it is queued.
   * @throws ROKU_SESSION_BUSY (strategy reject), ROKU_HTTP_SHUTTING_DOWN, the host's start errors
   */
  async start(req: StartRequest): Promise<ServerRun> {
    this.#refuseWhenClosing();
    const lane = this.#lane(req.sessionId);
    const paused = req.fresh === true ? undefined : this.#pausedRun(req.sessionId);
    const busy = lane.current !== undefined || paused !== undefined || lane.queue.length > 0;
    if (busy && req.strategy === 'reject') {
      const holder = lane.current?.id ?? paused ?? lane.queue[0]?.id;
      throw new RokuError(
        'ROKU_SESSION_BUSY',
        `session ${req.sessionId} is busy with run ${holder ?? '?'}; wait, or send strategy "enqueue" or "interrupt"`,
        { details: { sessionId: req.sessionId, runId: holder ?? null } },
      );
    }
    const now = Date.now();
    const run: ServerRun = {
      id: req.runId ?? newServerRunId(),
      sessionId: req.sessionId,
      goal: req.goal,
      createdAt: now,
      updatedAt: now,
      log: new EventLog(),
      actor: req.actor,
      traceId: req.traceId,
      ...(req.traceParent === undefined ? {} : { traceParent: req.traceParent }),
      ...(req.model === undefined ? {} : { model: req.model }),
      ...(req.webhook === undefined ? {} : { webhook: req.webhook }),
      status: 'queued',
      controller: new AbortController(),
      settled: Promise.resolve(),
      legStartedAt: now,
      firstTokenSeen: false,
    };
    this.#remember(run);
    if (!busy) {
      try {
        await this.#leg(lane, run, (handlers, signal) =>
          this.#opts.runtime.run(
            {
              sessionId: run.sessionId,
              goal: run.goal,
              approvalMode: 'pause',
              runId: run.id,
              signal,
              ...(req.model === undefined ? {} : { model: req.model }),
              ...(req.planMode === undefined ? {} : { planMode: req.planMode }),
            },
            handlers,
          ),
        );
      } catch (err) {
        // The host refused it (busy in another process, unknown model, …): it never existed.
        this.#runs.delete(run.id);
        throw err;
      }
      return run;
    }
    run.settled = new Promise<void>((resolve) => (run.releaseQueued = resolve));
    if (req.strategy === 'interrupt') {
      lane.queue.unshift(run);
      this.#interrupt(lane, paused, req.actor);
    } else {
      lane.queue.push(run);
    }
    return run;
  }

  /**
   * Decides a ticket and resumes its run here (also a run paused by an earlier server process).
   * @throws the host's approval errors, ROKU_SESSION_BUSY when the run is being driven right now
   */
  async decide(approvalId: string, decision: DecideRequest): Promise<ServerRun> {
    this.#refuseWhenClosing();
    const { runtime } = this.#opts;
    const ticket = runtime.store.getApproval(approvalId);
    if (ticket === undefined) {
      throw new RokuError('ROKU_APPROVAL_NOT_FOUND', `no approval ticket ${approvalId}`, {
        details: { approvalId },
      });
    }
    const lane = this.#lane(ticket.sessionId);
    if (lane.current !== undefined && lane.current.id === ticket.runId) {
      throw new RokuError('ROKU_SESSION_BUSY', `run ${ticket.runId} is running; its ticket is not waiting`, {
        details: { runId: ticket.runId },
      });
    }
    const run = this.#runs.get(ticket.runId) ?? this.#adopt(ticket.runId, ticket.sessionId);
    run.controller = new AbortController();
    await this.#leg(lane, run, (handlers, signal) =>
      runtime.decideApproval(
        approvalId,
        {
          approved: decision.approved,
          by: decision.by,
          ...(decision.comment === undefined ? {} : { comment: decision.comment }),
          ...(decision.expectedDigest === undefined ? {} : { expectedDigest: decision.expectedDigest }),
        },
        handlers,
        { approvalMode: 'pause', signal, alwaysForSession: decision.alwaysForSession === true },
      ),
    );
    return run;
  }

  /** Cancels a queued or running run; a run paused on an approval is rejected and ends interrupted. */
  async cancel(runId: string, actor: string): Promise<ServerRun | undefined> {
    const row = this.#runs.has(runId) ? undefined : this.#opts.runtime.store.getRun(runId);
    if (row !== undefined && row.status === 'awaiting_approval') this.#adopt(runId, row.sessionId);
    const run = this.#runs.get(runId);
    if (run === undefined) return undefined;
    const lane = this.#lane(run.sessionId);
    const queued = lane.queue.indexOf(run);
    if (queued >= 0) {
      lane.queue.splice(queued, 1);
      run.status = 'interrupted';
      run.error = { code: 'ROKU_RUN_CANCELLED', message: `cancelled by ${actor} before it started` };
      run.updatedAt = Date.now();
      run.releaseQueued?.();
      this.#opts.onSettled?.(run);
    } else if (lane.current === run) {
      run.controller.abort(new RokuError('ROKU_RUN_CANCELLED', `cancelled by ${actor}`));
      await run.settled;
    } else if (run.status === 'awaiting_approval') {
      await this.#endPaused(run, actor);
    }
    return run;
  }

  /** Waits for the run's current leg, at most `timeoutMs`. */
  async wait(run: ServerRun, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs)),
    );
    try {
      return await Promise.race([run.settled.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Graceful shutdown: no new runs; queued ones are dropped; running ones get `graceMs` to finish, then are
   * interrupted (the host checkpoints them; a paused run stays resumable by the next process).
   */
  async drain(graceMs: number): Promise<void> {
    this.#closing = true;
    const running: ServerRun[] = [];
    for (const lane of this.#lanes.values()) {
      for (const queued of lane.queue.splice(0)) {
        queued.status = 'interrupted';
        queued.error = { code: 'ROKU_HTTP_SHUTTING_DOWN', message: 'the server shut down before it started' };
        queued.releaseQueued?.();
      }
      if (lane.current !== undefined) running.push(lane.current);
    }
    const all = Promise.all(running.map((r) => r.settled));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>(
        (resolve) =>
          (timer = setTimeout(() => {
            resolve(true);
          }, graceMs)),
      ),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const run of running)
        run.controller.abort(new RokuError('ROKU_HTTP_SHUTTING_DOWN', 'server shutdown'));
      await all;
    }
  }

  #refuseWhenClosing(): void {
    if (this.#closing) {
      throw new RokuError('ROKU_HTTP_SHUTTING_DOWN', 'the server is shutting down and starts no new runs');
    }
  }

  #lane(sessionId: string): Lane {
    let lane = this.#lanes.get(sessionId);
    if (lane === undefined) {
      lane = { current: undefined, queue: [] };
      this.#lanes.set(sessionId, lane);
    }
    return lane;
  }

  /** The session's run paused on an approval (in the store, from this process or an earlier one). */
  #pausedRun(sessionId: string): string | undefined {
    const last = this.#opts.runtime.store.listRuns({ sessionId, limit: 1 })[0];
    return last?.status === 'awaiting_approval' ? last.id : undefined;
  }

  /** A run paused by another process, taken over to resume it here. */
  #adopt(runId: string, sessionId: string): ServerRun {
    const run = adoptedRun(this.#opts.runtime.store, runId, sessionId);
    this.#remember(run);
    return run;
  }

  #interrupt(lane: Lane, pausedRunId: string | undefined, actor: string): void {
    if (lane.current !== undefined) {
      const reason = new RokuError('ROKU_RUN_CANCELLED', `interrupted by a newer run of ${actor}`);
      lane.current.controller.abort(reason);
      return; // its leg's end starts the queue
    }
    if (pausedRunId === undefined) {
      this.#next(lane);
      return;
    }
    const paused = this.#runs.get(pausedRunId) ?? this.#adopt(pausedRunId, lane.queue[0]?.sessionId ?? '');
    void this.#endPaused(paused, actor).finally(() => {
      this.#next(lane);
    });
  }

  /** Ends a run paused on an approval: its ticket is rejected and the resumed run is stopped at once. */
  async #endPaused(run: ServerRun, actor: string): Promise<void> {
    const ticket = this.#opts.runtime
      .approvals({ status: 'pending', sessionId: run.sessionId })
      .find((t) => t.runId === run.id);
    if (ticket === undefined) return;
    run.controller = new AbortController();
    run.controller.abort(new RokuError('ROKU_RUN_CANCELLED', `cancelled by ${actor}`));
    const decision = { approved: false, by: actor, comment: 'run cancelled' };
    await this.#leg(this.#lane(run.sessionId), run, (handlers, signal) =>
      this.#opts.runtime.decideApproval(ticket.id, decision, handlers, { approvalMode: 'pause', signal }),
    ).catch((err: unknown) => {
      this.#opts.logger.warn({ err, runId: run.id }, 'paused run not cancelled');
    });
    await run.settled;
  }

  /**
   * Runs one leg (a start or a resume) of `run` on its lane. Resolves once the host has taken the run (its
   * first event) and rejects with the host's error when it refuses before that.
   */
  async #leg(
    lane: Lane,
    run: ServerRun,
    drive: (handlers: RunHandlers, signal: AbortSignal) => Promise<RunResult>,
  ): Promise<void> {
    lane.current = run;
    run.status = 'running';
    run.legStartedAt = Date.now();
    run.firstTokenSeen = false;
    run.log.reopen();
    let taken!: () => void;
    const started = new Promise<void>((resolve) => (taken = resolve));
    const logger = this.#opts.logger.child({ runId: run.id, sessionId: run.sessionId, traceId: run.traceId });
    const handlers: RunHandlers = {
      // The provider's outgoing requests carry a traceparent in the run's trace.
      ...(run.traceId === null ? {} : { traceId: run.traceId }),
      onEvent: (event) => {
        taken();
        run.updatedAt = Date.now();
        run.log.append(event);
        this.#opts.onEvent?.(run, event);
      },
    };
    const observer = this.#opts.onSandboxCall;
    const driven = (
      observer === undefined
        ? drive(handlers, run.controller.signal)
        : observeSandboxCalls(
            (call) => {
              observer(run, call);
            },
            () => drive(handlers, run.controller.signal),
          )
    ).then(
      (result) => {
        run.result = result;
        run.status = result.status;
        delete run.error;
      },
      (err: unknown) => {
        run.status = 'failed';
        run.error = isRokuError(err)
          ? { code: err.code, message: err.message }
          : { code: 'ROKU_RUN_FAILED', message: (err as Error).message };
        logger.warn({ err }, 'run refused or failed');
        throw err;
      },
    );
    const release = run.releaseQueued;
    delete run.releaseQueued;
    run.settled = driven
      .catch(() => undefined)
      .finally(() => {
        run.updatedAt = Date.now();
        if (lane.current === run) lane.current = undefined;
        run.log.close();
        this.#opts.onSettled?.(run);
        this.#next(lane);
      });
    if (release !== undefined) void run.settled.then(release);
    await Promise.race([started, driven]);
  }

  /** Starts the lane's next queued run, if the session is free. */
  #next(lane: Lane): void {
    if (lane.current !== undefined) return;
    const run = lane.queue.shift();
    if (run === undefined) return;
    if (this.#pausedRun(run.sessionId) !== undefined) {
      // Still waits: an approval of the paused run will resume it, and its end starts this one.
      lane.queue.unshift(run);
      return;
    }
    void this.#leg(lane, run, (handlers, signal) =>
      this.#opts.runtime.run(
        {
          sessionId: run.sessionId,
          goal: run.goal,
          approvalMode: 'pause',
          runId: run.id,
          signal,
          ...(run.model === undefined ? {} : { model: run.model }),
        },
        handlers,
      ),
    ).catch(() => undefined);
  }

  #remember(run: ServerRun): void {
    this.#runs.set(run.id, run);
    const keep = this.#opts.keepFinished ?? 2000;
    if (this.#runs.size <= keep) return;
    for (const [id, old] of this.#runs) {
      if (this.#runs.size <= keep) break;
      if (old.status !== 'running' && old.status !== 'queued' && old.log.listeners === 0)
        this.#runs.delete(id);
    }
  }
}
