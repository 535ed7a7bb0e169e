/**
 * Entry of the sandbox runner child process (dist/sandbox/runner/main.js). The supervisor spawns it with a
 * dedicated socket on fd 3 carrying length-framed messages (see ../wire.ts), `--max-old-space-size` and a
 * minimal environment; it needs no environment variables. It sends `ready` once, then answers protocol
 * messages until the socket closes.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { HostToRunner, RunnerToHost } from '../protocol.js';
import { FrameDecoder, encodeFrame } from '../wire.js';
import { ChannelPoll } from '../channel-poll.js';
import { Dispatcher } from './dispatcher.js';
import { createIsolateEngine } from './isolate-engine.js';
import { createWasmEngine } from './wasm-engine.js';

const CHANNEL_FD = 3;

function isHostMessage(value: unknown): value is HostToRunner {
  return typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string';
}

try {
  fstatSync(CHANNEL_FD);
} catch {
  process.stderr.write('roku runner: must be started by the host with its channel on fd 3\n');
  process.exit(1);
}

/** Incoming bytes land in this one buffer, reused for every read (no stream machinery per chunk). */
const READ_BUFFER_BYTES = 64 * 1024;

const channel = new Socket({
  fd: CHANNEL_FD,
  readable: true,
  writable: true,
  onread: {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (bytes: number, buffer: Uint8Array) => {
      poll.arrived();
      // the decoder may keep part of a chunk for the next read, so it gets a copy of its own
      decoder.push(Buffer.from(buffer.subarray(0, bytes)));
      return true;
    },
  },
});

/** Keeps the event loop awake for a moment after a send where the host has lately answered that fast. */
const poll = new ChannelPoll();

function send(msg: RunnerToHost): void {
  if (!channel.writable) return;
  channel.write(encodeFrame(msg));
  poll.sent(msg.t);
}

const dispatcher = new Dispatcher({
  send,
  engines: { isolate: (deps) => createIsolateEngine(deps), wasm: (deps) => createWasmEngine(deps) },
});

const decoder = new FrameDecoder(
  (msg) => {
    if (isHostMessage(msg)) dispatcher.handle(msg);
  },
  (reason) => {
    process.stderr.write(`roku runner: bad frame from the host (${reason})\n`);
    process.exit(1);
  },
);
// The supervisor owns the runner's life: when it goes, so does the runner (and every isolate with it).
channel.on('end', () => process.exit(0));
channel.on('close', () => process.exit(0));
channel.on('error', () => process.exit(0));
// A stray rejection from an isolate handle must not take down every other plugin in this process.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(
    `roku runner: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`,
  );
});

send({ t: 'ready', pid: process.pid });
