/**
 * Several runner processes per trust group, where one process is the limit. A runner does its plugins' message
 * handling and fast calls on one thread, and one plugin's isolate runs one thing at a time; when the runners of
 * a group are busy with calls and use most of a core, the group gets another process (up to `maxRunnersPerGroup`) and the plugin is loaded there too. Calls of one session
 * keep going to the runner that served the session before, where its realm is kept.
 */
import { availableParallelism } from 'node:os';
import type { LoadedSandbox } from './loaded-sandbox.js';
import type { RunnerProcess } from './runner-process.js';

/** Runner processes one trust group may spread its calls over by default: one per core, at most 4. */
export const DEFAULT_MAX_RUNNERS_PER_GROUP = Math.max(1, Math.min(4, availableParallelism()));
/**
 * A group gets another runner only when its least busy runner works on at least this many calls and used most
 * of a core lately (calls that wait on the host, like a provider's streamed answer, cost no CPU: no spread).
 */
export const SPREAD_AT_BUSY = 2;
/** Sessions whose runner is remembered; beyond this the least recently used is forgotten. */
const MAX_SESSIONS = 10_000;

/** True when the plugin is loaded in this live runner and the runner has not restarted since. */
export function loadedThere(sandbox: LoadedSandbox, runner: RunnerProcess): boolean {
  return runner.live && sandbox.loadedIn.get(runner) === runner.generation;
}

/** Remembers which runner served each session (bounded, least recently used first out). */
export class SessionRunners {
  readonly #runners = new Map<string, RunnerProcess>();
  /** The most recently used entry: a session's calls in a row skip building its key and reordering the map. */
  #last: { readonly pluginKey: string; readonly session: string; readonly runner: RunnerProcess } | undefined;

  get(pluginKey: string, session: string | undefined): RunnerProcess | undefined {
    if (session === undefined) return undefined;
    const last = this.#last;
    if (last !== undefined && last.session === session && last.pluginKey === pluginKey) return last.runner;
    const key = `${pluginKey}\n${session}`;
    const runner = this.#runners.get(key);
    if (runner === undefined) return undefined;
    this.#runners.delete(key);
    this.#runners.set(key, runner);
    this.#last = { pluginKey, session, runner };
    return runner;
  }

  set(pluginKey: string, session: string | undefined, runner: RunnerProcess): void {
    if (session === undefined) return;
    const key = `${pluginKey}\n${session}`;
    this.#runners.delete(key);
    this.#runners.set(key, runner);
    this.#last = { pluginKey, session, runner };
    if (this.#runners.size > MAX_SESSIONS) {
      const oldest = this.#runners.keys().next();
      if (oldest.done !== true) this.#runners.delete(oldest.value);
    }
  }

  /** Forgets a runner (stopped) or every session of a plugin (unloaded). */
  forget(match: (pluginKey: string, runner: RunnerProcess) => boolean): void {
    this.#last = undefined;
    for (const [key, runner] of this.#runners) {
      if (match(key.slice(0, key.indexOf('\n')), runner)) this.#runners.delete(key);
    }
  }
}

/**
 * The runner a call goes to without waiting for anything: its session's runner, else the least busy runner
 * the plugin is loaded in. Undefined when something must happen first (a load, a recycle, another runner).
 */
export function readyRunner(
  sandbox: LoadedSandbox,
  sessionRunner: RunnerProcess | undefined,
  mayGrow: () => boolean,
): RunnerProcess | undefined {
  if (sessionRunner !== undefined) {
    return loadedThere(sandbox, sessionRunner) && sessionRunner.farFromRecycling ? sessionRunner : undefined;
  }
  let best: RunnerProcess | undefined;
  for (const runner of sandbox.loadedIn.keys()) {
    if (!loadedThere(sandbox, runner) || !runner.farFromRecycling) continue;
    if (best === undefined || runner.busy < best.busy) best = runner;
  }
  if (best === undefined) return undefined;
  // every runner of the plugin busy: the slow path may start another one
  if (best.busy >= SPREAD_AT_BUSY && best.saturated && mayGrow()) return undefined;
  return best;
}

/**
 * Which of the group's runners a call should use: its session's runner while that lives, else the least busy
 * one; `undefined` when all are busy and the group may grow (the caller starts another runner).
 */
export function chooseRunner(
  group: readonly RunnerProcess[],
  sessionRunner: RunnerProcess | undefined,
  maxRunners: number,
): RunnerProcess | undefined {
  if (sessionRunner !== undefined && group.includes(sessionRunner)) return sessionRunner;
  let best: RunnerProcess | undefined;
  for (const runner of group) if (best === undefined || runner.busy < best.busy) best = runner;
  if (best !== undefined && best.busy >= SPREAD_AT_BUSY && best.saturated && group.length < maxRunners)
    return undefined;
  return best;
}
