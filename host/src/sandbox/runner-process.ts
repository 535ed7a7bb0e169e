import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RokuError } from '@roku/schemas';
import type {
  EngineKind,
  HostToRunner,
  LoadMessage,
  LoadedMessage,
  ResultMessage,
  RunnerToHost,
  StatsMessage,
} from './protocol.js';
import { RUNNER_GC_GLOBAL } from './protocol.js';
import { FrameDecoder, encodeFrame } from './wire.js';
import { ChannelPoll } from './channel-poll.js';
import { SATURATED_CPU_SHARE, readCpuDemandNs, readRssBytes } from './proc-stats.js';
import type { RunnerExit, RunnerProcessOptions } from './runner-process-types.js';

export type { RunnerExit, RunnerProcessOptions } from './runner-process-types.js';

interface PendingCall {
  readonly pluginKey: string;
  readonly resolve: (message: ResultMessage) => void;
  readonly reject: (error: RokuError) => void;
  /** Set once the host gave up on the call: it waits only for the runner's answer to the cancel. */
  unwatch: (() => void) | undefined;
}

interface PendingLoad {
  readonly promise: Promise<LoadedMessage>;
  readonly resolve: (m: LoadedMessage) => void;
  readonly reject: (e: RokuError) => void;
  readonly unwatch: () => void;
}

const RSS_POLL_MS = 250;
/** Share of the memory cap above which an idle runner is replaced. */
const RECYCLE_FRACTION = 0.5;
/** Time a runner has to answer a cancelled call before it is treated as hung and killed. */
export const CANCEL_GRACE_MS = 1_000;
/** Time a runner has to answer a load beyond the load's own wall limit (the runner enforces at least 5 s). */
const LOAD_GRACE_MS = 2_000;
const MIN_LOAD_WALL_MS = 5_000;
/** Time a new runner has to say it is ready. */
const START_DEADLINE_MS = 10_000;
/** Time a runner has to answer a stats request. */
const STATS_DEADLINE_MS = 2_000;

/** The error of a call that never reached a live runner: always safe to send again. */
function notSent(engine: EngineKind, why: string): RokuError {
  return new RokuError('ROKU_SANDBOX_CRASHED', `${engine} runner ${why}; the call was not sent`, {
    details: { reason: 'not-running', sent: false },
  });
}

/**
 * One supervised runner child process. It hosts sandboxes of one engine for one trust group, gets no secrets
 * in its environment, and is killed when it exceeds its memory cap or stops answering. Everything waiting on
 * it (calls, loads, stats) settles when it dies, and nothing is sent to a process that is going away.
 */
export class RunnerProcess {
  readonly engine: EngineKind;
  readonly group: string;
  readonly #options: RunnerProcessOptions;
  #child: ChildProcess | undefined;
  /** The child's framed message channel (its fd 3). */
  #channel: Socket | undefined;
  #ready: Promise<void> | undefined;
  /** Resolves when the current child exited (set while one runs). */
  #exited: Promise<void> | undefined;
  #killReason: RunnerExit['reason'] | undefined;
  #rssTimer: NodeJS.Timeout | undefined;
  readonly #calls = new Map<number, PendingCall>();
  readonly #loads = new Map<string, PendingLoad>();
  /** Keeps this process polling a moment after a send where the runner has lately answered that fast. */
  readonly #poll = new ChannelPoll();
  #statsWaiters: ((m: StatsMessage | undefined) => void)[] = [];
  #onReady: (() => void) | undefined;
  #lastRss = 0;
  /** The last CPU demand sample (ns, at performance.now() ms) and the share of a core wanted since the one before. */
  #cpuSample: { ns: number; at: number } | undefined;
  #cpuShare = 0;
  /** Bumped on every (re)start, so owners know their loaded sandboxes are gone. */
  generation = 0;

  constructor(options: RunnerProcessOptions) {
    this.engine = options.engine;
    this.group = options.group;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** True while a process runs that is not being killed: the only state in which anything is sent. */
  get live(): boolean {
    return this.#child !== undefined && this.#killReason === undefined;
  }

  /** Calls the runner is working on (including cancelled ones it has not answered yet). */
  get busy(): number {
    return this.#calls.size + this.#loads.size;
  }

  /** Starts the process if it is not running (waiting for a dying one to exit first); resolves when ready. */
  async start(): Promise<void> {
    if (this.#child !== undefined && this.#killReason !== undefined) await this.#exited;
    if (this.#ready !== undefined) return this.#ready;
    // the compiled runner entry: tests run from src/ but always fork the built runner
    const entry = fileURLToPath(new URL('../../dist/sandbox/runner/main.js', import.meta.url));
    if (!existsSync(entry)) {
      throw new RokuError('ROKU_SANDBOX_LOAD_FAILED', `sandbox runner not built: ${entry}`);
    }
    this.generation += 1;
    this.#killReason = undefined;
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${Math.max(32, Math.floor(this.#options.memoryMb / 2))}`,
        // V8's gc() for the runner's own use (see RUNNER_GC_GLOBAL); no plugin code can reach it
        `--expose-gc-as=${RUNNER_GC_GLOBAL}`,
        '--no-warnings',
        entry,
        this.engine,
      ],
      {
        // Secrets and the user's environment stay in the host; the runner needs none of it.
        // Few malloc arenas: isolated-vm runs isolates on a thread pool, and glibc's per-thread arenas would
        // otherwise keep freed plugin memory resident long after the plugin is gone.
        env: { NODE_ENV: 'production', ROKU_RUNNER_ENGINE: this.engine, MALLOC_ARENA_MAX: '2' },
        // fd 3: the framed message channel (a socket pair); no Node IPC, no double JSON encoding
        stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      },
    );
    this.#child = child;
    const channel = child.stdio[3] as Socket;
    this.#channel = channel;
    const decoder = new FrameDecoder(
      (message) => {
        if (this.#child === child) this.#dispatch(message as RunnerToHost);
      },
      (reason) => {
        this.#options.logger.error(
          { engine: this.engine, group: this.group, reason },
          'runner broke the protocol',
        );
        this.kill('crashed');
      },
    );
    channel.on('data', (chunk: Buffer) => {
      this.#poll.arrived();
      decoder.push(chunk);
    });
    // The channel fails when the runner goes away (ECONNRESET, EPIPE), stopped by us or not: the exit handler
    // settles whatever waited and reports an unexpected death, so this is no news for the user.
    channel.on('error', (err) => {
      this.#options.logger.debug({ err, engine: this.engine, group: this.group }, 'runner channel error');
    });
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      // a runner that never gets ready (stopped, starved) is killed; its exit fails whoever waited
      const unwatch = this.#options.sweep.add(performance.now() + START_DEADLINE_MS, () => {
        this.#options.logger.error(
          { engine: this.engine, group: this.group },
          'runner did not start; killing it',
        );
        this.kill('unresponsive');
      });
      this.#onReady = () => {
        this.#onReady = undefined;
        unwatch();
        resolve();
      };
      child.once('exit', () => {
        unwatch();
        reject(notSent(this.engine, 'exited during start'));
      });
    });
    child.on('error', (err) => {
      this.#options.logger.warn({ err, engine: this.engine, group: this.group }, 'runner process error');
    });
    child.on('exit', (code, signal) => {
      this.#onExit(child, code, signal);
    });
    this.#rssTimer = setInterval(() => {
      this.#checkMemory(child);
    }, RSS_POLL_MS);
    this.#rssTimer.unref();
    return this.#ready;
  }

  #checkMemory(child: ChildProcess): void {
    if (child.pid === undefined || child.exitCode !== null) return;
    const ns = readCpuDemandNs(child.pid);
    const now = performance.now();
    if (ns !== undefined) {
      const last = this.#cpuSample;
      if (last !== undefined && now > last.at) this.#cpuShare = (ns - last.ns) / 1e6 / (now - last.at);
      this.#cpuSample = { ns, at: now };
    }
    const rss = readRssBytes(child.pid);
    if (rss === undefined) return;
    this.#lastRss = rss;
    if (rss > this.#options.memoryMb * 1024 * 1024) {
      this.#options.logger.warn(
        { engine: this.engine, group: this.group, rss, capMb: this.#options.memoryMb },
        'runner over memory cap',
      );
      this.kill('memory-cap');
    }
  }

  /**
   * True when the runner's threads wanted most of a core over the last memory poll (ran or waited to run):
   * one process is the limit.
   */
  get saturated(): boolean {
    return this.#cpuShare >= SATURATED_CPU_SHARE;
  }

  /** False when an idle moment might recycle the runner (its last memory sample is near the recycle line). */
  get farFromRecycling(): boolean {
    return this.#lastRss <= this.#options.memoryMb * 1024 * 1024 * RECYCLE_FRACTION * 0.6;
  }

  /**
   * Replaces the runner when nothing is running or loading in it and its last memory sample is above the
   * recycle line: V8 keeps pages of disposed or shrunk isolates, and an idle moment is the only safe time to
   * drop them. A call dispatched meanwhile is not sent to the dying process: it waits for the new one.
   */
  async recycleIfBloated(): Promise<void> {
    const child = this.#child;
    const line = this.#options.memoryMb * 1024 * 1024 * RECYCLE_FRACTION;
    if (child?.pid === undefined || !this.live || this.busy > 0) return;
    // The poller's sample may be stale; read afresh only when it is already close to the line.
    if (this.#lastRss > line * 0.6) this.#lastRss = readRssBytes(child.pid) ?? this.#lastRss;
    if (this.#lastRss <= line) return;
    this.#options.logger.info(
      { engine: this.engine, group: this.group, rss: this.#lastRss },
      'recycling idle runner',
    );
    this.kill('recycled');
    await this.#exited;
  }

  kill(reason: RunnerExit['reason']): void {
    if (this.#child === undefined) return;
    this.#killReason ??= reason;
    this.#child.kill('SIGKILL');
  }

  #send(message: HostToRunner): void {
    const channel = this.#channel;
    if (channel === undefined || !channel.writable) return;
    channel.write(encodeFrame(message));
    this.#poll.sent(message.t);
  }

  #dispatch(message: RunnerToHost): void {
    switch (message.t) {
      case 'ready':
        this.#onReady?.();
        return;
      case 'loaded': {
        const waiter = this.#loads.get(message.pluginKey);
        if (waiter === undefined) return;
        this.#loads.delete(message.pluginKey);
        waiter.unwatch();
        waiter.resolve(message);
        return;
      }
      case 'result': {
        const pending = this.#calls.get(message.id);
        if (pending === undefined) return;
        this.#calls.delete(message.id);
        if (pending.unwatch !== undefined) pending.unwatch();
        pending.resolve(message);
        return;
      }
      case 'cap': {
        const child = this.#child;
        this.#options
          .onCapability(message)
          .then((response) => {
            if (this.#child === child) this.#send({ t: 'cap-reply', capId: message.capId, response });
          })
          .catch((err: unknown) => {
            this.#options.logger.error({ err, pluginKey: message.pluginKey }, 'capability handler failed');
          });
        return;
      }
      case 'send':
        this.#options.onSend(message);
        return;
      case 'disposed':
        this.#options.onDisposed(message);
        return;
      case 'stats': {
        const waiters = this.#statsWaiters;
        this.#statsWaiters = [];
        for (const w of waiters) w(message);
        return;
      }
    }
  }

  /**
   * Loads a plugin; concurrent loads of the same key share one request. The runner answers within the load's
   * wall limit; if it does not, it is killed as unresponsive and the load fails.
   */
  async load(message: LoadMessage): Promise<LoadedMessage> {
    await this.start();
    const existing = this.#loads.get(message.pluginKey);
    if (existing !== undefined) return existing.promise;
    if (!this.live) throw notSent(this.engine, 'is restarting');
    let resolve!: (m: LoadedMessage) => void;
    let reject!: (e: RokuError) => void;
    const promise = new Promise<LoadedMessage>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waitMs = Math.max(message.limits.wallMsPerCall, MIN_LOAD_WALL_MS) + LOAD_GRACE_MS;
    const unwatch = this.#options.sweep.add(performance.now() + waitMs, () => {
      this.#options.logger.error(
        { engine: this.engine, group: this.group, pluginKey: message.pluginKey, waitMs },
        'runner did not answer a load; killing it',
      );
      this.kill('unresponsive');
    });
    this.#loads.set(message.pluginKey, { promise, resolve, reject, unwatch });
    this.#send(message);
    return promise;
  }

  unload(pluginKey: string): void {
    if (this.live) this.#send({ t: 'unload', pluginKey });
  }

  /**
   * Sends a call. It settles when the runner answers or dies; it is never sent to a process that is not
   * live (a ROKU_SANDBOX_CRASHED with `details.sent: false`, safe to retry). The caller's deadline is kept
   * by `abandon`.
   */
  call(id: number, pluginKey: string, request: string, session?: string): Promise<ResultMessage> {
    if (!this.live) return Promise.reject(notSent(this.engine, 'is not running'));
    return new Promise<ResultMessage>((resolve, reject) => {
      this.#calls.set(id, { pluginKey, resolve, reject, unwatch: undefined });
      this.#send(
        session === undefined
          ? { t: 'call', id, pluginKey, request }
          : { t: 'call', id, pluginKey, request, session },
      );
    });
  }

  /**
   * The caller gave up on call `id` (deadline, revocation): asks the runner to cancel it, and kills the runner
   * as unresponsive if it has not answered within CANCEL_GRACE_MS. Either way the call's promise settles.
   */
  abandon(id: number): void {
    const pending = this.#calls.get(id);
    if (pending === undefined || pending.unwatch !== undefined) return;
    pending.unwatch = this.#options.sweep.add(performance.now() + CANCEL_GRACE_MS, () => {
      if (!this.#calls.has(id)) return;
      this.#options.logger.error(
        { engine: this.engine, group: this.group, pluginKey: pending.pluginKey, callId: id },
        'runner did not answer a cancelled call; killing it',
      );
      this.kill('unresponsive');
    });
    this.#send({ t: 'cancel', id });
  }

  async stats(): Promise<StatsMessage | undefined> {
    if (!this.live) return undefined;
    return new Promise<StatsMessage | undefined>((resolve) => {
      let done = false;
      const answer = (m: StatsMessage | undefined): void => {
        if (done) return;
        done = true;
        unwatch();
        resolve(m);
      };
      const unwatch = this.#options.sweep.add(performance.now() + STATS_DEADLINE_MS, () => {
        answer(undefined);
      });
      this.#statsWaiters.push(answer);
      this.#send({ t: 'stats' });
    });
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#lastRss = 0;
    this.#cpuSample = undefined;
    this.#cpuShare = 0;
    clearInterval(this.#rssTimer);
    this.#child = undefined;
    this.#channel?.destroy();
    this.#channel = undefined;
    this.#ready = undefined;
    const reason = this.#killReason ?? 'crashed';
    this.#killReason = undefined;
    const inFlight = [...new Set([...this.#calls.values()].map((c) => c.pluginKey))];
    for (const [id, pending] of this.#calls) {
      // Killed for not answering another call, or one of several plugins in a process that died: this call
      // is not known to be the cause.
      const bystander = (reason === 'unresponsive' && pending.unwatch === undefined) || inFlight.length > 1;
      if (pending.unwatch !== undefined) pending.unwatch();
      pending.reject(
        new RokuError(
          'ROKU_SANDBOX_CRASHED',
          `${this.engine} runner died during the call (${reason}${signal === null ? '' : `, ${signal}`})`,
          {
            details: {
              reason,
              signal,
              exitCode: code,
              callId: id,
              pluginsInFlight: inFlight.length,
              bystander,
              sent: true,
            },
          },
        ),
      );
    }
    this.#calls.clear();
    for (const [, waiter] of this.#loads) {
      waiter.unwatch();
      waiter.reject(
        new RokuError(
          'ROKU_SANDBOX_CRASHED',
          `${this.engine} runner died while loading a plugin (${reason})`,
          {
            details: { reason, signal, exitCode: code },
          },
        ),
      );
    }
    this.#loads.clear();
    const waiters = this.#statsWaiters;
    this.#statsWaiters = [];
    for (const w of waiters) w(undefined);
    this.#options.onExit({ engine: this.engine, group: this.group, reason, code, signal, inFlight });
  }

  /** Stops the process for good (host shutdown, or its last plugin went). */
  async stop(): Promise<void> {
    if (this.#child === undefined) return;
    this.kill('stopped');
    await this.#exited;
  }
}
