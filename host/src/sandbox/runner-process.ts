import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import type {
  CallMessage,
  CapabilityMessage,
  DisposedMessage,
  EngineKind,
  HostToRunner,
  LoadMessage,
  LoadedMessage,
  ResultMessage,
  RunnerToHost,
  StatsMessage,
} from './protocol.js';

/** The compiled runner entry; tests run from src/ but always fork the built runner. */
export function runnerEntryPath(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return join(root, 'dist', 'sandbox', 'runner', 'main.js');
}

export interface RunnerProcessOptions {
  readonly engine: EngineKind;
  /** OS-level cap: the runner is killed when its resident memory exceeds this. */
  readonly memoryMb: number;
  readonly logger: Logger;
  /** Answers a plugin's capability request; resolves to the CapabilityResponse JSON. */
  readonly onCapability: (message: CapabilityMessage) => Promise<string>;
  readonly onDisposed: (message: DisposedMessage) => void;
  /** Called after the process died; `inFlight` lists the plugin keys whose calls were running. */
  readonly onExit: (info: RunnerExit) => void;
}

export interface RunnerExit {
  readonly engine: EngineKind;
  readonly reason: 'memory-cap' | 'unresponsive' | 'crashed' | 'stopped' | 'recycled';
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly inFlight: readonly string[];
}

interface PendingCall {
  readonly pluginKey: string;
  readonly resolve: (message: ResultMessage) => void;
  readonly reject: (error: RokuError) => void;
  readonly timer: NodeJS.Timeout;
}

const RSS_POLL_MS = 250;
/** Share of the memory cap above which an idle runner is replaced. */
const RECYCLE_FRACTION = 0.5;
/** Extra time the runner gets beyond a call's wall limit before the host treats it as hung. */
const HANG_GRACE_MS = 2_000;

function readRssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * One supervised runner child process. It hosts sandboxes of one engine, gets no secrets in its environment,
 * and is killed when it exceeds its memory cap or stops answering. Calls in flight when it dies fail with
 * typed errors; the owner decides what to reload.
 */
export class RunnerProcess {
  readonly engine: EngineKind;
  readonly #options: RunnerProcessOptions;
  #child: ChildProcess | undefined;
  #ready: Promise<void> | undefined;
  #killReason: RunnerExit['reason'] | undefined;
  #rssTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  readonly #calls = new Map<number, PendingCall>();
  readonly #loads = new Map<
    string,
    { resolve: (m: LoadedMessage) => void; reject: (e: RokuError) => void }
  >();
  #statsWaiters: ((m: StatsMessage | undefined) => void)[] = [];
  #hungCall: number | undefined;
  #lastRss = 0;
  /** Bumped on every (re)start, so owners know their loaded sandboxes are gone. */
  generation = 0;

  constructor(options: RunnerProcessOptions) {
    this.engine = options.engine;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process if it is not running; resolves when it said ready. */
  start(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    const entry = runnerEntryPath();
    if (!existsSync(entry)) {
      return Promise.reject(new RokuError('ROKU_SANDBOX_LOAD_FAILED', `sandbox runner not built: ${entry}`));
    }
    this.generation += 1;
    this.#killReason = undefined;
    const child = fork(entry, [this.engine], {
      // Secrets and the user's environment stay in the host; the runner needs none of it.
      // Few malloc arenas: isolated-vm runs isolates on a thread pool, and glibc's per-thread arenas would
      // otherwise keep freed plugin memory resident long after the plugin is gone.
      env: { NODE_ENV: 'production', ROKU_RUNNER_ENGINE: this.engine, MALLOC_ARENA_MAX: '2' },
      execArgv: [
        `--max-old-space-size=${Math.max(32, Math.floor(this.#options.memoryMb / 2))}`,
        '--no-warnings',
      ],
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.#ready = new Promise<void>((resolve, reject) => {
      const onReady = (message: RunnerToHost): void => {
        if (message.t === 'ready') {
          child.off('message', onReady);
          resolve();
        }
      };
      child.on('message', onReady);
      child.once('exit', () => {
        reject(new RokuError('ROKU_SANDBOX_CRASHED', `${this.engine} runner exited during start`));
      });
    });
    child.on('message', (message: RunnerToHost) => {
      this.#dispatch(message);
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
    const rss = readRssBytes(child.pid);
    if (rss === undefined) return;
    this.#lastRss = rss;
    if (rss > this.#options.memoryMb * 1024 * 1024) {
      this.#options.logger.warn(
        { engine: this.engine, rss, capMb: this.#options.memoryMb },
        'runner over memory cap',
      );
      this.kill('memory-cap');
    }
  }

  /**
   * Replaces the runner before a call when it is idle and its last memory sample is above the recycle line:
   * V8 keeps pages of disposed or shrunk isolates, and an idle moment is the only safe time to drop them.
   */
  async recycleIfBloated(): Promise<void> {
    const child = this.#child;
    const line = this.#options.memoryMb * 1024 * 1024 * RECYCLE_FRACTION;
    if (child?.pid === undefined || this.#calls.size > 0 || this.#loads.size > 0) return;
    // The poller's sample may be stale; read afresh only when it is already close to the line.
    if (this.#lastRss > line * 0.6) this.#lastRss = readRssBytes(child.pid) ?? this.#lastRss;
    if (this.#lastRss <= line) return;
    this.#options.logger.info({ engine: this.engine, rss: this.#lastRss }, 'recycling idle runner');
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    this.kill('recycled');
    await exited;
  }

  kill(reason: RunnerExit['reason']): void {
    this.#killReason ??= reason;
    this.#child?.kill('SIGKILL');
  }

  #send(message: HostToRunner): void {
    this.#child?.send(message);
  }

  #dispatch(message: RunnerToHost): void {
    switch (message.t) {
      case 'ready':
        return;
      case 'loaded': {
        const waiter = this.#loads.get(message.pluginKey);
        this.#loads.delete(message.pluginKey);
        waiter?.resolve(message);
        return;
      }
      case 'result': {
        const pending = this.#calls.get(message.id);
        if (pending === undefined) return;
        this.#calls.delete(message.id);
        clearTimeout(pending.timer);
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

  async load(message: LoadMessage): Promise<LoadedMessage> {
    await this.start();
    return new Promise<LoadedMessage>((resolve, reject) => {
      this.#loads.set(message.pluginKey, { resolve, reject });
      this.#send(message);
    });
  }

  unload(pluginKey: string): void {
    if (this.#child !== undefined && this.#child.exitCode === null) this.#send({ t: 'unload', pluginKey });
  }

  /** A fresh call id; capability requests made during the call carry it. */
  allocateCallId(): number {
    return this.#nextId++;
  }

  /** Sends a call; the host-side watchdog kills the whole runner if it does not answer in time. */
  call(id: number, pluginKey: string, request: string, wallMs: number): Promise<ResultMessage> {
    const message: CallMessage = { t: 'call', id, pluginKey, request };
    return new Promise<ResultMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#options.logger.error(
          { engine: this.engine, pluginKey, wallMs },
          'runner unresponsive; killing it',
        );
        this.#hungCall ??= id;
        this.kill('unresponsive');
      }, wallMs + HANG_GRACE_MS);
      this.#calls.set(id, { pluginKey, resolve, reject, timer });
      this.#send(message);
    });
  }

  async stats(): Promise<StatsMessage | undefined> {
    if (this.#child === undefined || this.#child.exitCode !== null) return undefined;
    return new Promise<StatsMessage | undefined>((resolve) => {
      this.#statsWaiters.push(resolve);
      this.#send({ t: 'stats' });
    });
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#lastRss = 0;
    clearInterval(this.#rssTimer);
    this.#child = undefined;
    this.#ready = undefined;
    const reason = this.#killReason ?? 'crashed';
    const inFlight = [...new Set([...this.#calls.values()].map((c) => c.pluginKey))];
    for (const [id, pending] of this.#calls) {
      clearTimeout(pending.timer);
      const timedOut = id === this.#hungCall;
      pending.reject(
        new RokuError(
          timedOut ? 'ROKU_SANDBOX_TIMEOUT' : 'ROKU_SANDBOX_CRASHED',
          timedOut
            ? `${this.engine} runner stopped answering during the call and was killed`
            : `${this.engine} runner died during the call (${reason}${signal === null ? '' : `, ${signal}`})`,
          { details: { reason, signal, exitCode: code, callId: id, pluginsInFlight: inFlight.length } },
        ),
      );
    }
    this.#calls.clear();
    this.#hungCall = undefined;
    for (const [, waiter] of this.#loads) {
      waiter.reject(
        new RokuError('ROKU_SANDBOX_CRASHED', `${this.engine} runner died while loading a plugin`),
      );
    }
    this.#loads.clear();
    const waiters = this.#statsWaiters;
    this.#statsWaiters = [];
    for (const w of waiters) w(undefined);
    this.#options.onExit({ engine: this.engine, reason, code, signal, inFlight });
  }

  /** Stops the process for good (host shutdown). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    this.kill('stopped');
    await exited;
  }
}
