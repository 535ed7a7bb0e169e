/**
 * The isolated-vm engine: one V8 isolate per loaded plugin (pluginKey); each call runs in a fresh realm of it
 * (a context with the web-platform prelude, the plugin bundle and the trusted entry). See isolate-plugin.ts.
 */
import ivm from 'isolated-vm';
import type { LoadMessage, RunnerLimits, WireError } from '../protocol.js';
import { isRokuError } from '@roku/schemas/errors';
import { loadFailed, toWireError, wireError } from './engine.js';
import type { CallOutcome, Engine, EngineDeps, LoadOutcome, PluginStats } from './engine.js';
import { IsolatePlugin } from './isolate-plugin.js';
import {
  CodeCaches,
  Prelude,
  SpareIsolates,
  codeCacheAfterRun,
  compileBundle,
  readBundle,
} from './isolate-setup.js';
import { classifyIsolateFailure } from './entry-result.js';
import { Watchdog } from './watchdog.js';
import { SPARE_AFTER_IDLE_MS } from './spare-realm.js';
import { CpuWindow, pluginIdOf } from './isolate-cpu-window.js';
import { DEFAULT_PLUGIN_MEMORY_MB } from '../limits.js';

/** Top-level bundle code may do more work than one call; it gets at least this much CPU… */
const MIN_LOAD_CPU_MS = 1000;
/** …and at least this much wall time, for everything from creating the isolate to describe(). */
const MIN_LOAD_WALL_MS = 5000;

export interface IsolateEngineOptions {
  /** The bundled prelude; defaults to dist/sandbox/prelude.js next to the runner. */
  readonly prelude?: Prelude;
}

class IsolateEngine implements Engine {
  readonly #deps: EngineDeps;
  readonly #prelude: Prelude;
  readonly #watchdog = new Watchdog();
  readonly #plugins = new Map<string, IsolatePlugin>();
  /** CPU windows per plugin id, kept across reloads and versions for as long as the runner lives. */
  readonly #cpuWindows = new Map<string, CpuWindow>();
  /** Made once the prelude snapshot is known: isolates for the next loads, created ahead. */
  #spares: SpareIsolates | undefined;
  readonly #codeCaches = new CodeCaches();
  /** Loads in progress, and when the last one ended: spare realms wait for the loads (see SpareRealm). */
  #loading = 0;
  #lastLoadEnd = -Infinity;
  readonly #quiet = (): boolean =>
    this.#loading === 0 && performance.now() - this.#lastLoadEnd >= SPARE_AFTER_IDLE_MS;

  constructor(deps: EngineDeps, options: IsolateEngineOptions) {
    this.#deps = deps;
    this.#prelude = options.prelude ?? new Prelude();
  }

  async load(msg: LoadMessage): Promise<LoadOutcome> {
    const started = performance.now();
    const { pluginKey, limits } = msg;
    this.unload(pluginKey);
    const code = readBundle(msg.entryPath);
    const snapshot = await this.#prelude.snapshot();
    const spares = (this.#spares ??= new SpareIsolates(
      (memoryMb) =>
        new ivm.Isolate({
          memoryLimit: memoryMb,
          onCatastrophicError,
          ...(snapshot === undefined ? {} : { snapshot }),
        }),
      DEFAULT_PLUGIN_MEMORY_MB,
    ));
    const isolate = spares.take(limits.memoryMb);
    const loadCpuMs = Math.max(limits.cpuMsPerCall, MIN_LOAD_CPU_MS);
    const loadWallMs = Math.max(limits.wallMsPerCall, MIN_LOAD_WALL_MS);
    let plugin: IsolatePlugin | undefined;
    let wallExceeded: WireError | undefined;
    // top-level code that awaits and then spins would otherwise keep describe() queued forever
    const wallTimer = setTimeout(() => {
      wallExceeded = wireError('ROKU_SANDBOX_TIMEOUT', `loading took more than ${loadWallMs} ms`, {
        limit: 'wall',
        limitMs: loadWallMs,
      });
      if (plugin !== undefined) plugin.dispose(wallExceeded, false);
      else if (!isolate.isDisposed) isolate.dispose();
    }, loadWallMs);
    this.#loading += 1;
    try {
      // from the snapshot every context starts with the prelude evaluated; without it each realm runs it
      const prelude = snapshot === undefined ? await this.#prelude.compile(isolate) : undefined;
      const filename = `plugin:${pluginKey}`;
      const bundle = await compileBundle(isolate, code, filename, this.#codeCaches.find(msg));
      if (bundle.needsCache && msg.entryHash !== undefined) this.#codeCaches.drop(msg.entryHash);
      plugin = new IsolatePlugin({
        pluginKey,
        limits,
        isolate,
        prelude,
        bundle: bundle.script,
        webAssembly: msg.webAssembly,
        urlAtBoot: msg.network === true,
        deps: this.#deps,
        watchdog: this.#watchdog,
        loadCpuMs,
        cpuWindow: this.#cpuWindow(pluginKey),
        quiet: this.#quiet,
        onGone: (gone) => {
          this.#forget(gone);
        },
      });
      const described = await plugin.describe();
      if (!described.ok)
        throw loadFailed(`${pluginKey}: ${described.error.message}`, { pluginKey, reason: described.error });
      // made after describe so that it holds what the top level and describe compiled, not only the top level
      const codeCache = bundle.needsCache ? await codeCacheAfterRun(isolate, code, filename) : undefined;
      if (codeCache !== undefined && msg.entryHash !== undefined)
        this.#codeCaches.keep(msg.entryHash, codeCache);
      if (plugin.disposedReason !== undefined)
        throw loadFailed(`${pluginKey}: ${plugin.disposedReason.message}`, {
          pluginKey,
          reason: plugin.disposedReason,
        });
      this.#plugins.set(pluginKey, plugin);
      plugin.markLoaded();
      return {
        description: described.json,
        loadMs: performance.now() - started,
        ...(plugin.maxCalls === undefined ? {} : { maxCalls: plugin.maxCalls }),
        ...(codeCache === undefined ? {} : { codeCache: codeCache.toString('base64') }),
      };
    } catch (e) {
      // a sandbox reason (watchdog, wall timer) explains the rejection better than the rejection itself
      const reason = plugin?.disposedReason ?? wallExceeded;
      const failure =
        reason === undefined
          ? toLoadFailure(e, isolate, limits, pluginKey)
          : wireError('ROKU_SANDBOX_LOAD_FAILED', `${pluginKey}: ${reason.message} while loading`, {
              pluginKey,
              reason,
            });
      if (plugin !== undefined) plugin.dispose(failure, false);
      else if (!isolate.isDisposed) isolate.dispose();
      throw loadFailed(failure.message, failure.details);
    } finally {
      this.#loading -= 1;
      this.#lastLoadEnd = performance.now();
      clearTimeout(wallTimer);
      spares.refill();
    }
  }

  call(
    pluginKey: string,
    id: number,
    requestJson: string,
    session?: string,
  ): CallOutcome | Promise<CallOutcome> {
    const plugin = this.#plugins.get(pluginKey);
    if (plugin !== undefined) return plugin.call(id, requestJson, session);
    return {
      ok: false,
      error: wireError('ROKU_SANDBOX_UNLOADED', `${pluginKey} is not loaded`, { pluginKey }),
    };
  }

  cancel(id: number): boolean {
    for (const plugin of this.#plugins.values()) if (plugin.cancel(id)) return true;
    return false;
  }

  unload(pluginKey: string): boolean {
    const plugin = this.#plugins.get(pluginKey);
    if (plugin === undefined) return false;
    plugin.dispose(wireError('ROKU_SANDBOX_UNLOADED', `${pluginKey} was unloaded`, { pluginKey }), false);
    return true;
  }

  stats(): PluginStats[] {
    return [...this.#plugins.values()].map((p) => p.stats());
  }

  #cpuWindow(pluginKey: string): CpuWindow {
    const id = pluginIdOf(pluginKey);
    let window = this.#cpuWindows.get(id);
    if (window === undefined) {
      window = new CpuWindow();
      this.#cpuWindows.set(id, window);
    }
    return window;
  }

  #forget(plugin: IsolatePlugin): void {
    if (this.#plugins.get(plugin.pluginKey) === plugin) this.#plugins.delete(plugin.pluginKey);
  }
}

/** Creates the isolate engine. */
export function createIsolateEngine(deps: EngineDeps, options: IsolateEngineOptions = {}): Engine {
  return new IsolateEngine(deps, options);
}

/** Why a load failed, keeping the sandbox reason (timeout, OOM) in the details. */
function toLoadFailure(e: unknown, isolate: ivm.Isolate, limits: RunnerLimits, pluginKey: string): WireError {
  const known = toWireError(e, 'ROKU_SANDBOX_LOAD_FAILED');
  if (isRokuError(e)) return known;
  const failure = classifyIsolateFailure(e, isolate, limits);
  if (!failure.fatal) {
    const at = bundleFrame(e, pluginKey);
    return wireError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${pluginKey}: the bundle failed while loading: ${known.message}${at === undefined ? '' : ` (bundle line ${at.line}:${at.column})`}`,
      at === undefined ? { pluginKey } : { pluginKey, bundleLine: at.line, bundleColumn: at.column },
    );
  }
  return wireError('ROKU_SANDBOX_LOAD_FAILED', `${pluginKey}: ${failure.error.message} while loading`, {
    pluginKey,
    reason: failure.error,
  });
}

/** The first stack frame inside the plugin's bundle (`plugin:<key>:LINE:COL`); never a host path. */
function bundleFrame(e: unknown, pluginKey: string): { line: number; column: number } | undefined {
  const stack = (e as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const prefix = `plugin:${pluginKey}:`;
  for (const line of stack.split('\n')) {
    const at = line.indexOf(prefix);
    if (at < 0) continue;
    const m = /^(\d+):(\d+)/.exec(line.slice(at + prefix.length));
    if (m !== null) return { line: Number(m[1]), column: Number(m[2]) };
  }
  return undefined;
}

/** V8 lost control of an isolate: per isolated-vm's guidance the process must end; the supervisor restarts it. */
function onCatastrophicError(message: string): void {
  process.stderr.write(`roku runner: catastrophic isolate error: ${message}\n`);
  process.abort();
}
