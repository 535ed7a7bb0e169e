/**
 * The worker_threads script that hosts wasm plugins (see wasm-engine.ts). Several plugins share one worker:
 * a Node worker costs about 10 MiB resident before any plugin, a plugin's own instance tens of KiB. Each plugin
 * is its own Extism instance with its own memory and its own host functions; nothing is shared between them
 * but this thread. No WASI, no Extism HTTP or paths: a plugin's only door out is the host function
 * `extism:host/user::roku_cap`, an async function (JSPI suspends the guest) that forwards the
 * CapabilityRequest JSON to the parent and stores the reply for the guest.
 *
 * The parent polices CPU: before the guest runs (a call starts, or resumes after a capability reply) the worker
 * writes the call id, the segment's start and the call's run time so far into `status` (shared memory), and
 * clears the id when the guest suspends or returns. A guest that spins keeps its id there, so the parent knows
 * whose deadline passed and which worker to terminate.
 *
 * Only `node:` modules, Extism and type-only imports: Node runs this file directly, also as .ts under tests.
 */
import { readlinkSync } from 'node:fs';
import { hrtime, threadCpuUsage } from 'node:process';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import createPlugin from '@extism/extism';
import type { CallContext, Plugin } from '@extism/extism';

/** A compiled WebAssembly.Module, opaque here: the repo's lib (ES2024, no DOM) has no WebAssembly types. */
export type CompiledModule = object;

/** What the worker tells the parent through shared memory, one BigInt64Array of length 1 each. */
export interface WorkerStatus {
  /** Id of the call whose guest runs now (negative: a describe), 0 when no guest runs. */
  readonly call: BigInt64Array;
  /** hrtime (ns) at which the running segment started. */
  readonly since: BigInt64Array;
  /** Nanoseconds the running call's guest ran before this segment. */
  readonly ran: BigInt64Array;
  /** This thread's CPU time (µs) when the segment started, and the call's guest CPU (µs) before it. */
  readonly cpuAt: BigInt64Array;
  readonly cpuRan: BigInt64Array;
  /** The OS id of this thread (Linux; 0 where unknown): the parent reads its exact CPU time from /proc. */
  readonly tid: BigInt64Array;
}

export interface WasmWorkerData {
  /** Largest capability request a guest may send, in bytes. */
  readonly capabilityBytes: number;
  /** Written here, read by the parent. */
  readonly status: WorkerStatus;
}

/** What the worker needs to host one plugin. */
export interface WorkerPluginSpec {
  readonly module: CompiledModule;
  /** The guest's linear-memory maximum in pages (after capping). */
  readonly memoryPages: number;
  /** Cap on Extism's host-side blocks (input, output, capability replies), in 64 KiB pages. */
  readonly blockPages: number;
  /** Largest output the guest may set, in bytes. */
  readonly outputBytes: number;
}

/** Parent -> worker. `slot` names a plugin within the worker. */
export type ToWorker =
  /** Hosts a plugin; `describeId` set: run describe (under that call id) and answer `added`. */
  | {
      readonly t: 'add';
      readonly slot: number;
      readonly spec: WorkerPluginSpec;
      readonly describeId: number | undefined;
    }
  | { readonly t: 'drop'; readonly slot: number }
  | { readonly t: 'call'; readonly slot: number; readonly id: number; readonly input: string }
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

/** Worker -> parent. `memBytes`: the plugin's linear memory plus its share of this worker's JS heap. */
export type FromWorker =
  | {
      readonly t: 'added';
      readonly slot: number;
      readonly description: WorkerCallResult;
      readonly memBytes: number;
      readonly cpuMs: number;
    }
  | {
      readonly t: 'cap';
      readonly capId: number;
      readonly callId: number;
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

/** A call in progress: its guest run time and thread CPU, summed over its segments. */
interface RunningCall {
  readonly id: number;
  ranNs: bigint;
  cpuUs: number;
  segment: { readonly since: bigint; readonly cpu: NodeJS.CpuUsage } | undefined;
}

/** A fresh instance, ready for a call. */
interface Prepared {
  readonly plugin: Plugin;
  readonly memory: { readonly buffer: ArrayBuffer } | undefined;
  /** Thread CPU its instantiation took, charged to the call it serves. */
  readonly cpuUs: number;
}

/** One hosted plugin. */
interface Hosted {
  readonly spec: WorkerPluginSpec;
  /** The instance the next call runs in: every call gets a fresh one, prepared after the previous call. */
  next: Promise<Prepared | undefined>;
  /** The call it runs (one at a time per plugin: the parent queues the rest). */
  call: RunningCall | undefined;
  /** The message of the last `roku_abort` (the trap after it has none). */
  abortMessage: string | undefined;
  /** The instance that ran last, for its memory size. */
  last: Prepared | undefined;
  /** The parent dropped it: nothing more starts. */
  dropped: boolean;
}

const hosted = new Map<number, Hosted>();
const pendingCaps = new Map<
  number,
  { readonly slot: number; readonly resolve: (response: string) => void }
>();
let nextCapId = 1;

const status = data.status;
try {
  // "<pid>/task/<tid>"
  Atomics.store(status.tid, 0, BigInt(readlinkSync('/proc/thread-self').split('/').pop() ?? 0));
} catch {
  // no /proc: the parent falls back to wall time
}

function beginSegment(call: RunningCall): void {
  const since = hrtime.bigint();
  const cpu = threadCpuUsage();
  call.segment = { since, cpu };
  Atomics.store(status.cpuAt, 0, BigInt(cpu.user + cpu.system));
  Atomics.store(status.cpuRan, 0, BigInt(call.cpuUs));
  Atomics.store(status.ran, 0, call.ranNs);
  Atomics.store(status.since, 0, since);
  Atomics.store(status.call, 0, BigInt(call.id));
}

function endSegment(call: RunningCall): void {
  Atomics.store(status.call, 0, 0n);
  const { segment } = call;
  if (segment === undefined) return;
  call.segment = undefined;
  call.ranNs += hrtime.bigint() - segment.since;
  const used = threadCpuUsage(segment.cpu);
  call.cpuUs += used.user + used.system;
}

function capError(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

const silent = (): void => undefined;
const logger = { trace: silent, debug: silent, info: silent, warn: silent, error: silent, log: silent };

/** Host functions bound to one plugin: nothing in them reaches another plugin's state. */
function hostFunctions(slot: number, self: Hosted) {
  const roku_cap = async (ctx: CallContext, address: bigint): Promise<bigint> => {
    const length = Number(ctx.length(address));
    if (length > data.capabilityBytes) {
      return ctx.store(
        capError('ROKU_CAPABILITY_LIMIT', `capability request of ${length} bytes is over the limit`),
      );
    }
    const request = ctx.read(address)?.text() ?? '';
    const call = self.call;
    if (call === undefined) return ctx.store(capError('ROKU_CAPABILITY_DENIED', 'no call is running'));
    const capId = nextCapId++;
    endSegment(call);
    const response = await new Promise<string>((resolve) => {
      pendingCaps.set(capId, { slot, resolve });
      port?.postMessage({ t: 'cap', capId, callId: call.id, request } satisfies FromWorker);
    });
    beginSegment(call);
    return ctx.store(response);
  };
  /** Keeps the message of an AssemblyScript abort: the trap that follows it carries none. */
  const roku_abort = (ctx: CallContext, address: bigint): void => {
    const text = ctx.read(address)?.text();
    if (text !== undefined) self.abortMessage = text.slice(0, 4096);
  };
  /** Refuses single blocks over the budget before Extism allocates them (its own check runs after). */
  const alloc = (ctx: CallContext, size: bigint): bigint => {
    if (size > BigInt(self.spec.blockPages * PAGE))
      throw new Error(`guest asked for a ${size}-byte block, over its memory limit`);
    return ctx.alloc(size);
  };
  return { 'extism:host/env': { alloc }, 'extism:host/user': { roku_cap, roku_abort } };
}

async function instantiate(slot: number, self: Hosted): Promise<Prepared | undefined> {
  const started = threadCpuUsage();
  try {
    const plugin = await createPlugin(
      { wasm: [{ module: self.spec.module }] },
      {
        useWasi: false,
        logger: logger as unknown as Console,
        memory: { maxPages: self.spec.blockPages, maxVarBytes: 0 },
        functions: hostFunctions(slot, self),
      },
    );
    const instance = (await plugin.getInstance()) as { exports: Record<string, unknown> };
    const memory = instance.exports['memory'];
    const used = threadCpuUsage(started);
    return {
      plugin,
      memory: memory instanceof wasm.Memory ? memory : undefined,
      cpuUs: used.user + used.system,
    };
  } catch {
    // a failure leaves no instance: run() reports it as a trap
    return undefined;
  }
}

const linearMemoryBytes = (prepared: Prepared | undefined): number =>
  prepared?.memory?.buffer.byteLength ?? 0;

function memBytes(self: Hosted): number {
  const heapShare = getHeapStatistics().used_heap_size / Math.max(1, hosted.size);
  return Math.round(heapShare) + linearMemoryBytes(self.last);
}

/** The message of the last `roku_abort`, cleared (a function: roku_abort sets it behind the compiler's back). */
function takeAbortMessage(self: Hosted): string | undefined {
  const message = self.abortMessage;
  self.abortMessage = undefined;
  return message;
}

async function run(self: Hosted, fn: string, input: string | undefined): Promise<WorkerCallResult> {
  const prepared = await self.next;
  if (self.dropped) return { ok: false, kind: 'trap', message: 'the plugin was dropped' };
  self.last = prepared;
  if (prepared === undefined) return { ok: false, kind: 'trap', message: 'plugin is not instantiated' };
  takeAbortMessage(self);
  const call = self.call;
  try {
    if (call !== undefined) beginSegment(call);
    const output = await prepared.plugin.call(fn, input);
    if (call !== undefined) endSegment(call);
    if (output === null) return { ok: false, kind: 'no-output', message: `${fn} set no output` };
    const bytes = output.arrayBuffer().byteLength;
    if (bytes > self.spec.outputBytes) {
      return {
        ok: false,
        kind: 'too-large',
        message: `${fn} returned ${bytes} bytes; the limit is ${self.spec.outputBytes}`,
      };
    }
    return { ok: true, output: output.text() };
  } catch (err) {
    if (call !== undefined) endSegment(call);
    const message = err instanceof Error ? err.message : String(err);
    const prefix = 'Plugin-originated error: ';
    if (!(err instanceof wasm.RuntimeError) && message.startsWith(prefix)) {
      return { ok: false, kind: 'plugin', message: message.slice(prefix.length, prefix.length + 4096) };
    }
    const abortMessage = takeAbortMessage(self);
    // AssemblyScript's allocator traps with a bare `unreachable` when memory.grow fails at the declared
    // maximum. It grows in large steps, so "over half the maximum in use" is the heuristic for "memory".
    const nearCap = linearMemoryBytes(prepared) * 2 > self.spec.memoryPages * PAGE;
    const kind = abortMessage === undefined && nearCap ? 'oom' : 'trap';
    return { ok: false, kind, message: abortMessage ?? message.slice(0, 4096) };
  }
}

/**
 * Runs `fn` in the prepared instance and hands the outcome to `reply`, then prepares the next instance (off
 * the call's path): nothing a call leaves in linear memory or globals reaches the next call, which may serve
 * another session.
 */
async function runFresh(
  slot: number,
  self: Hosted,
  id: number,
  fn: string,
  input: string | undefined,
  reply: (result: WorkerCallResult, cpuMs: number, memBytes: number) => void,
): Promise<void> {
  const call: RunningCall = { id, ranNs: 0n, cpuUs: 0, segment: undefined };
  self.call = call;
  const result = await run(self, fn, input);
  self.call = undefined;
  const cpuUs = call.cpuUs + (self.last?.cpuUs ?? 0);
  if (hosted.get(slot) !== self) return; // dropped meanwhile: nobody wants the result
  reply(result, cpuUs / 1000, memBytes(self));
  self.next = instantiate(slot, self);
}

function add(message: Extract<ToWorker, { t: 'add' }>): void {
  const { slot, describeId } = message;
  const self: Hosted = {
    spec: message.spec,
    next: Promise.resolve(undefined),
    call: undefined,
    abortMessage: undefined,
    last: undefined,
    dropped: false,
  };
  self.next = instantiate(slot, self);
  hosted.set(slot, self);
  if (describeId === undefined) return;
  void runFresh(slot, self, describeId, 'describe', undefined, (description, cpuMs, memBytes) => {
    port?.postMessage({ t: 'added', slot, description, memBytes, cpuMs } satisfies FromWorker);
  });
}

function callPlugin(message: Extract<ToWorker, { t: 'call' }>): void {
  const self = hosted.get(message.slot);
  const { id } = message;
  if (self === undefined) {
    const result: WorkerCallResult = { ok: false, kind: 'trap', message: 'plugin is not hosted here' };
    port?.postMessage({ t: 'result', id, result, cpuMs: 0, memBytes: 0 } satisfies FromWorker);
    return;
  }
  void runFresh(message.slot, self, id, 'call', message.input, (result, cpuMs, memBytes) => {
    port?.postMessage({ t: 'result', id, result, cpuMs, memBytes } satisfies FromWorker);
  });
}

port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'cap-reply': {
      const pending = pendingCaps.get(message.capId);
      pendingCaps.delete(message.capId);
      pending?.resolve(message.response);
      return;
    }
    case 'call':
      callPlugin(message);
      return;
    case 'add':
      add(message);
      return;
    case 'drop': {
      // a guest suspended in a capability request is abandoned (its stack is garbage once its reply is
      // forgotten), a call still waiting for its instance never starts; either is answered, so the parent
      // stops policing it
      const self = hosted.get(message.slot);
      hosted.delete(message.slot);
      for (const [capId, pending] of pendingCaps)
        if (pending.slot === message.slot) pendingCaps.delete(capId);
      if (self === undefined) return;
      self.dropped = true;
      if (self.call !== undefined) {
        const result: WorkerCallResult = { ok: false, kind: 'trap', message: 'the plugin was dropped' };
        port.postMessage({
          t: 'result',
          id: self.call.id,
          result,
          cpuMs: 0,
          memBytes: 0,
        } satisfies FromWorker);
      }
      return;
    }
  }
});
