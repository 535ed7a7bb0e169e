/**
 * The worker_threads script that hosts ONE wasm plugin (see wasm-engine.ts). It instantiates the module with
 * Extism in this thread (no WASI, no Extism HTTP or paths) and runs one call at a time. The plugin's only door
 * out is the host function `extism:host/user::roku_cap`: an async function (JSPI suspends the guest) that
 * forwards the CapabilityRequest JSON to the parent and stores the reply for the guest.
 *
 * Only `node:` modules, Extism and type-only imports: Node runs this file directly, also as .ts under tests.
 */
import { threadCpuUsage } from 'node:process';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import createPlugin from '@extism/extism';
import type { CallContext, Plugin } from '@extism/extism';

/** A compiled WebAssembly.Module, opaque here: the repo's lib (ES2024, no DOM) has no WebAssembly types. */
export type CompiledModule = object;

export interface WasmWorkerData {
  readonly module: CompiledModule;
  /** The guest's linear-memory maximum in pages (after capping). */
  readonly memoryPages: number;
  /** Cap on Extism's host-side blocks (input, output, capability replies), in 64 KiB pages. */
  readonly blockPages: number;
  /** Largest output the guest may set, in bytes. */
  readonly outputBytes: number;
  /** Largest capability request the guest may send, in bytes. */
  readonly capabilityBytes: number;
}

/** Parent -> worker. */
export type ToWorker =
  | { readonly t: 'call'; readonly id: number; readonly input: string }
  | { readonly t: 'cap-reply'; readonly capId: number; readonly response: string };

/** How a call (or the describe at load) ended inside the worker. */
export type WorkerCallResult =
  | { readonly ok: true; readonly output: string }
  | {
      readonly ok: false;
      /** plugin: error_set without a trap; trap: the guest trapped (state suspect); oom: trapped at its memory cap. */
      readonly kind: 'plugin' | 'trap' | 'oom' | 'too-large' | 'no-output';
      readonly message: string;
    };

/** Worker -> parent. `memBytes` is JS heap in use plus guest linear memory. */
export type FromWorker =
  | {
      readonly t: 'ready';
      readonly description: WorkerCallResult;
      readonly memBytes: number;
      readonly cpuMs: number;
    }
  | {
      readonly t: 'cap';
      readonly capId: number;
      readonly callId: number | undefined;
      readonly request: string;
    }
  | {
      readonly t: 'result';
      readonly id: number;
      readonly result: WorkerCallResult;
      readonly cpuMs: number;
      readonly memBytes: number;
    };

/** The WebAssembly classes used here; the repo's lib (no DOM) types the namespace, not the global. */
interface WasmClasses {
  readonly RuntimeError: abstract new () => Error;
  readonly Memory: abstract new () => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmClasses }).WebAssembly;
const PAGE = 65_536;
const data = workerData as WasmWorkerData;
const port = parentPort;
if (port === null) throw new Error('wasm-worker.ts runs only as a worker thread');

const pendingCaps = new Map<number, (response: string) => void>();
let nextCapId = 1;
/** The instance, the call it runs, and the message of the last `roku_abort` (the trap after it has none). */
const guest: { plugin?: Plugin; callId?: number; abortMessage?: string } = {};

function capError(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

const silent = (): void => undefined;
const logger = { trace: silent, debug: silent, info: silent, warn: silent, error: silent, log: silent };

async function roku_cap(ctx: CallContext, address: bigint): Promise<bigint> {
  const length = Number(ctx.length(address));
  if (length > data.capabilityBytes) {
    return ctx.store(
      capError('ROKU_CAPABILITY_LIMIT', `capability request of ${length} bytes is over the limit`),
    );
  }
  const request = ctx.read(address)?.text() ?? '';
  const capId = nextCapId++;
  const response = await new Promise<string>((resolve) => {
    pendingCaps.set(capId, resolve);
    port?.postMessage({ t: 'cap', capId, callId: guest.callId, request } satisfies FromWorker);
  });
  return ctx.store(response);
}

/** Keeps the message of an AssemblyScript abort: the trap that follows it carries none. */
function roku_abort(ctx: CallContext, address: bigint): void {
  const text = ctx.read(address)?.text();
  if (text !== undefined) guest.abortMessage = text.slice(0, 4096);
}

function takeAbortMessage(): string | undefined {
  const message = guest.abortMessage;
  delete guest.abortMessage;
  return message;
}

/** Refuses single blocks over the budget before Extism allocates them (its own check runs after). */
function alloc(ctx: CallContext, size: bigint): bigint {
  if (size > BigInt(data.blockPages * PAGE))
    throw new Error(`guest asked for a ${size}-byte block, over its memory limit`);
  return ctx.alloc(size);
}

async function linearMemoryBytes(): Promise<number> {
  const instance = (await guest.plugin?.getInstance()) as { exports: Record<string, unknown> } | undefined;
  const memory = instance?.exports['memory'];
  return memory instanceof wasm.Memory ? memory.buffer.byteLength : 0;
}

async function memBytes(): Promise<number> {
  return getHeapStatistics().used_heap_size + (await linearMemoryBytes());
}

async function run(fn: string, input: string | undefined): Promise<WorkerCallResult> {
  const { plugin } = guest;
  if (plugin === undefined) return { ok: false, kind: 'trap', message: 'plugin is not instantiated' };
  takeAbortMessage();
  try {
    const output = await plugin.call(fn, input);
    if (output === null) return { ok: false, kind: 'no-output', message: `${fn} set no output` };
    const bytes = output.arrayBuffer().byteLength;
    if (bytes > data.outputBytes) {
      return {
        ok: false,
        kind: 'too-large',
        message: `${fn} returned ${bytes} bytes; the limit is ${data.outputBytes}`,
      };
    }
    return { ok: true, output: output.text() };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const prefix = 'Plugin-originated error: ';
    if (!(err instanceof wasm.RuntimeError) && message.startsWith(prefix)) {
      return { ok: false, kind: 'plugin', message: message.slice(prefix.length, prefix.length + 4096) };
    }
    const abortMessage = takeAbortMessage();
    const kind = abortMessage === undefined && (await nearMemoryCap()) ? 'oom' : 'trap';
    return { ok: false, kind, message: abortMessage ?? message.slice(0, 4096) };
  }
}

/**
 * AssemblyScript's allocator traps with a bare `unreachable` when memory.grow fails at the declared maximum.
 * It grows in large steps, so "over half the maximum in use" is the heuristic for "this trap was memory".
 */
async function nearMemoryCap(): Promise<boolean> {
  return (await linearMemoryBytes()) * 2 > data.memoryPages * PAGE;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = threadCpuUsage(start);
  return (used.user + used.system) / 1000;
}

port.on('message', (message: ToWorker) => {
  if (message.t === 'cap-reply') {
    const resolve = pendingCaps.get(message.capId);
    pendingCaps.delete(message.capId);
    resolve?.(message.response);
    return;
  }
  const started = threadCpuUsage();
  guest.callId = message.id;
  // every call gets a fresh instance of the compiled module (about 0.1 ms): nothing a call leaves in linear
  // memory or globals reaches the next call, which may serve another session
  void renew()
    .then(() => run('call', message.input))
    .then(async (result) => {
      delete guest.callId;
      const cpuMs = cpuMsSince(started);
      port.postMessage({
        t: 'result',
        id: message.id,
        result,
        cpuMs,
        memBytes: await memBytes(),
      } satisfies FromWorker);
    });
});

function instantiate(): Promise<Plugin> {
  return createPlugin(
    { wasm: [{ module: data.module }] },
    {
      useWasi: false,
      logger: logger as unknown as Console,
      memory: { maxPages: data.blockPages, maxVarBytes: 0 },
      functions: {
        'extism:host/env': { alloc },
        'extism:host/user': { roku_cap, roku_abort },
      },
    },
  );
}

/** Replaces the instance with a fresh one; a failure leaves no instance (run() reports it as a trap). */
async function renew(): Promise<void> {
  const previous = guest.plugin;
  delete guest.plugin;
  await previous?.close().catch(() => undefined);
  const fresh = await instantiate().catch(() => undefined);
  if (fresh !== undefined) guest.plugin = fresh;
}

const started = threadCpuUsage();
guest.plugin = await instantiate();
const description = await run('describe', undefined);
port.postMessage({
  t: 'ready',
  description,
  memBytes: await memBytes(),
  cpuMs: cpuMsSince(started),
} satisfies FromWorker);
