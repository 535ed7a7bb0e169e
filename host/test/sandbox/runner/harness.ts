/**
 * Drives a real runner process (host/dist/sandbox/runner/main.js) with protocol messages and answers its
 * capability requests like a minimal host: log/emit are recorded, kv.get replies at once (or never, for the
 * key 'never'), fetch.* perform real HTTP requests with `{{secret:NAME}}` substituted in headers.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  CapabilityMessage,
  HostToRunner,
  LoadedMessage,
  ResultMessage,
  RunnerLimits,
  RunnerToHost,
} from '../../../src/sandbox/protocol.js';
import { FrameDecoder, encodeFrame } from '../../../src/sandbox/wire.js';

export const RUNNER_PATH = fileURLToPath(new URL('../../../dist/sandbox/runner/main.js', import.meta.url));
export const PRELUDE_PATH = fileURLToPath(new URL('../../../dist/sandbox/prelude.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

export const DEFAULT_LIMITS: RunnerLimits = {
  memoryMb: 64,
  cpuMsPerCall: 1000,
  wallMsPerCall: 10_000,
  outputBytes: 1024 * 1024,
  concurrency: 4,
};

interface CapRequest {
  readonly op: string;
  readonly args: Record<string, unknown>;
}

/** A capability request the test host saw. */
export interface SeenCap {
  readonly pluginKey: string;
  readonly callId: number | undefined;
  readonly op: string;
  readonly args: Record<string, unknown>;
}

type CapResult =
  { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } } | 'never';
export type CapOverride = (cap: SeenCap) => Promise<CapResult | undefined> | CapResult | undefined;

export class RunnerHarness {
  readonly messages: RunnerToHost[] = [];
  readonly caps: SeenCap[] = [];
  readonly secrets = new Map<string, string>();
  capOverride: CapOverride | undefined;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<{ match: (m: RunnerToHost) => boolean; resolve: (m: RunnerToHost) => void }>();
  readonly #streams = new Map<string, ReadableStreamDefaultReader<Uint8Array>>();
  #nextCallId = 1;
  #nextStreamId = 1;

  readonly #channel: Socket;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#channel = child.stdio[3] as Socket;
    const decoder = new FrameDecoder(
      (msg) => {
        this.#receive(msg as RunnerToHost);
      },
      (reason) => {
        throw new Error(`the runner broke the protocol: ${reason}`);
      },
    );
    this.#channel.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
    });
  }

  #receive(msg: RunnerToHost): void {
    {
      this.messages.push(msg);
      if (msg.t === 'cap') void this.#answer(msg);
      if (msg.t === 'send') {
        // one-way (emit, log): recorded, never answered
        const request = JSON.parse(msg.request) as CapRequest;
        this.caps.push({ pluginKey: msg.pluginKey, callId: msg.callId, op: request.op, args: request.args });
      }
      for (const waiter of [...this.#waiters]) {
        if (waiter.match(msg)) {
          this.#waiters.delete(waiter);
          waiter.resolve(msg);
        }
      }
    }
  }

  static async start(): Promise<RunnerHarness> {
    if (!existsSync(RUNNER_PATH) || !existsSync(PRELUDE_PATH)) {
      throw new Error(
        'build @roku/host first (tsc -p tsconfig.build.json && node scripts/build-prelude.mjs)',
      );
    }
    const child = spawn(process.execPath, ['--max-old-space-size=256', RUNNER_PATH], {
      env: {},
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    });
    const harness = new RunnerHarness(child);
    await harness.waitFor((m) => m.t === 'ready');
    return harness;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && this.#channel.writable;
  }

  send(msg: HostToRunner): void {
    this.#channel.write(encodeFrame(msg));
  }

  waitFor<T extends RunnerToHost>(match: (m: RunnerToHost) => m is T): Promise<T>;
  waitFor(match: (m: RunnerToHost) => boolean): Promise<RunnerToHost>;
  waitFor(match: (m: RunnerToHost) => boolean): Promise<RunnerToHost> {
    return new Promise((resolve) => this.#waiters.add({ match, resolve }));
  }

  async load(
    pluginKey: string,
    entry: string,
    options: { limits?: Partial<RunnerLimits>; webAssembly?: boolean; codeCache?: string } = {},
  ): Promise<LoadedMessage> {
    const loaded = this.waitFor((m): m is LoadedMessage => m.t === 'loaded' && m.pluginKey === pluginKey);
    this.send({
      t: 'load',
      pluginKey,
      engine: 'isolate',
      entryPath: entry,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      webAssembly: options.webAssembly ?? false,
      ...(options.codeCache === undefined ? {} : { codeCache: options.codeCache }),
    });
    return loaded;
  }

  /** Starts a call; returns its runner id and the promise of its result. */
  start(
    pluginKey: string,
    op: string,
    input: unknown = null,
    session?: string,
  ): { id: number; result: Promise<ResultMessage> } {
    const id = this.#nextCallId++;
    const result = this.waitFor((m): m is ResultMessage => m.t === 'result' && m.id === id);
    this.send({
      t: 'call',
      id,
      pluginKey,
      request: JSON.stringify({ op, input, config: {}, callId: `call-${id}` }),
      ...(session === undefined ? {} : { session }),
    });
    return { id, result };
  }

  call(pluginKey: string, op: string, input: unknown = null, session?: string): Promise<ResultMessage> {
    return this.start(pluginKey, op, input, session).result;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#channel.end();
    await exited;
  }

  async #answer(msg: CapabilityMessage): Promise<void> {
    const request = JSON.parse(msg.request) as CapRequest;
    const seen: SeenCap = {
      pluginKey: msg.pluginKey,
      callId: msg.callId,
      op: request.op,
      args: request.args,
    };
    this.caps.push(seen);
    let result: CapResult;
    try {
      result = (await this.capOverride?.(seen)) ?? (await this.#serve(seen));
    } catch (e) {
      result = { ok: false, error: { code: 'ROKU_CAPABILITY_FAILED', message: String(e) } };
    }
    if (result === 'never' || !this.alive) return;
    this.send({ t: 'cap-reply', capId: msg.capId, response: JSON.stringify(result) });
  }

  async #serve(cap: SeenCap): Promise<CapResult> {
    const args = cap.args;
    switch (cap.op) {
      case 'log':
      case 'emit':
        return { ok: true, value: null };
      case 'kv.get':
        return args.key === 'never' ? 'never' : { ok: true, value: { value: null } };
      case 'fetch.start': {
        const headers = (args.headers as [string, string][]).map(([k, v]): [string, string] => [
          k,
          v.replace(/\{\{secret:([A-Z0-9_]+)\}\}/g, (_, name: string) => this.secrets.get(name) ?? ''),
        ]);
        const body = args.body as string | null;
        const res = await fetch(args.url as string, {
          method: args.method as string,
          headers,
          redirect: 'manual',
          ...(body === null
            ? {}
            : { body: args.bodyEncoding === 'base64' ? Buffer.from(body, 'base64') : body }),
        });
        const streamId = String(this.#nextStreamId++);
        if (res.body !== null) this.#streams.set(streamId, res.body.getReader());
        return {
          ok: true,
          value: {
            streamId,
            status: res.status,
            statusText: res.statusText,
            headers: [...res.headers],
            url: res.url,
            redirected: res.redirected,
          },
        };
      }
      case 'fetch.read': {
        const reader = this.#streams.get(args.streamId as string);
        const chunk = reader === undefined ? { done: true as const, value: undefined } : await reader.read();
        if (chunk.done) {
          this.#streams.delete(args.streamId as string);
          return { ok: true, value: { done: true, chunk: '' } };
        }
        return { ok: true, value: { done: false, chunk: Buffer.from(chunk.value).toString('base64') } };
      }
      case 'fetch.cancel': {
        await this.#streams.get(args.streamId as string)?.cancel();
        this.#streams.delete(args.streamId as string);
        return { ok: true, value: null };
      }
      default:
        return {
          ok: false,
          error: { code: 'ROKU_CAPABILITY_UNAVAILABLE', message: `no test handler for ${cap.op}` },
        };
    }
  }
}

/** The response JSON of a successful result, parsed. */
export function responseOf(result: ResultMessage): unknown {
  if (!result.ok || result.response === undefined)
    throw new Error(`call failed: ${JSON.stringify(result.error)}`);
  return JSON.parse(result.response) as unknown;
}
