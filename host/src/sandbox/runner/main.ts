/**
 * Entry of the sandbox runner child process (dist/sandbox/runner/main.js). The supervisor forks it with an
 * IPC channel (serialization 'json'), `--max-old-space-size` and a minimal environment; it needs no
 * environment variables. It sends `ready` once, then answers protocol messages until the channel closes.
 */
import type { HostToRunner, RunnerToHost } from '../protocol.js';
import { Dispatcher } from './dispatcher.js';
import { createIsolateEngine } from './isolate-engine.js';
import { createWasmEngine } from './wasm-engine.js';

function send(msg: RunnerToHost): void {
  if (process.send === undefined || !process.connected) return;
  process.send(msg, undefined, undefined, (err: Error | null) => {
    // the channel closed under us: the 'disconnect' handler ends the process
    if (err !== null) process.exitCode = 1;
  });
}

function isHostMessage(value: unknown): value is HostToRunner {
  return typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string';
}

if (process.send === undefined) {
  process.stderr.write('roku runner: must be started with an IPC channel\n');
  process.exit(1);
}

const dispatcher = new Dispatcher({
  send,
  engines: { isolate: (deps) => createIsolateEngine(deps), wasm: (deps) => createWasmEngine(deps) },
});

process.on('message', (msg: unknown) => {
  if (isHostMessage(msg)) dispatcher.handle(msg);
});
// The supervisor owns the runner's life: when it goes, so does the runner (and every isolate with it).
process.on('disconnect', () => process.exit(0));
// A stray rejection from an isolate handle must not take down every other plugin in this process.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(
    `roku runner: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`,
  );
});

send({ t: 'ready', pid: process.pid });
