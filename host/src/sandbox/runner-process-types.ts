/** What a runner process (runner-process.ts) is started with, and what its exit reports. */
import type { Logger } from 'pino';
import type { DeadlineSweep } from './deadline-sweep.js';
import type { CapabilityMessage, DisposedMessage, EngineKind, SendMessage } from './protocol.js';

export interface RunnerProcessOptions {
  readonly engine: EngineKind;
  /** Which plugins share this process (an engine and a publisher or plugin id), for logs and stats. */
  readonly group: string;
  /** OS-level cap: the runner is killed when its resident memory exceeds this. */
  readonly memoryMb: number;
  readonly logger: Logger;
  /** The host's one watchdog sweep: loads, cancelled calls and stats requests get their deadlines there. */
  readonly sweep: DeadlineSweep;
  /** Answers a plugin's capability request; resolves to the CapabilityResponse JSON. */
  readonly onCapability: (message: CapabilityMessage) => Promise<string>;
  /** Serves a one-way capability request (no reply goes back). */
  readonly onSend: (message: SendMessage) => void;
  readonly onDisposed: (message: DisposedMessage) => void;
  /** Called after the process died; `inFlight` lists the plugin keys whose calls were running. */
  readonly onExit: (info: RunnerExit) => void;
}

export interface RunnerExit {
  readonly engine: EngineKind;
  readonly group: string;
  readonly reason: 'memory-cap' | 'unresponsive' | 'crashed' | 'stopped' | 'recycled';
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly inFlight: readonly string[];
}
