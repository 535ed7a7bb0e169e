import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { failed } from '../policy.js';
import { ProcessTree } from './process-tree.js';

/** What a finished (or stopped) process left. */
export interface ProcessOutcome {
  /** Exit status; null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Output past maxOutputBytes was dropped (and the process stopped). */
  readonly truncated: boolean;
  /** Why the host stopped it, if it did. */
  readonly stopped: 'timeout' | 'output' | 'aborted' | null;
  readonly durationMs: number;
}

export interface SpawnInput {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** stdout and stderr together. */
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
  /**
   * Follow descendants through /proc and kill them with the group: for runs without a PID namespace, where a
   * process that calls `setsid` would otherwise outlive the kill.
   */
  readonly trackDescendants?: boolean;
}

/** How often /proc is sampled for descendants while a tracked command runs. */
const TREE_SCAN_MS = 200;

/** After a kill, how long to wait for the pipes to close (a grandchild may hold them) before giving up on them. */
const DRAIN_MS = 1000;

/**
 * Kills the whole process group the child leads (it was spawned detached, so it has one of its own) and,
 * when tracked, every descendant that left the group.
 */
function killGroup(child: ChildProcess, tree?: ProcessTree): void {
  if (child.pid === undefined) return;
  tree?.killAll();
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** Cuts collected bytes to text without splitting a character at the end. */
function text(chunks: readonly Buffer[]): string {
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/**
 * Runs a program in its own process group with stdin closed, collecting stdout and stderr up to
 * `maxOutputBytes` together. The whole group is killed on timeout, on abort and when the output goes over the
 * cap; the outcome says which.
 *
 * @throws ROKU_CAPABILITY_FAILED when the program cannot be started
 */
export function runProcess(input: SpawnInput): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(input.file, [...input.args], {
        cwd: input.cwd,
        env: input.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(failed(`could not start ${input.file}: ${(err as Error).message}`, err));
      return;
    }
    const tree =
      input.trackDescendants === true && child.pid !== undefined ? new ProcessTree(child.pid) : undefined;
    const scanner =
      tree === undefined
        ? undefined
        : setInterval(() => {
            tree.scan();
          }, TREE_SCAN_MS);
    scanner?.unref();
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let stopped: ProcessOutcome['stopped'] = null;
    let settled = false;
    const stop = (why: NonNullable<ProcessOutcome['stopped']>): void => {
      stopped ??= why;
      killGroup(child, tree);
      // Pipes held open by an escaped grandchild must not keep the call waiting.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_MS).unref();
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      const room = input.maxOutputBytes - kept;
      if (chunk.length > room) {
        if (room > 0) into.push(chunk.subarray(0, room));
        kept = input.maxOutputBytes;
        truncated = true;
        stop('output');
        return;
      }
      into.push(chunk);
      kept += chunk.length;
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(errs));
    const timer = setTimeout(() => {
      stop('timeout');
    }, input.timeoutMs);
    const onAbort = (): void => {
      stop('aborted');
    };
    input.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(scanner);
      input.signal?.removeEventListener('abort', onAbort);
      // Whatever the program left running in its group goes with it.
      killGroup(child, tree);
      resolve({
        exitCode,
        signal,
        stdout: text(out),
        stderr: text(errs),
        truncated,
        stopped,
        durationMs: Math.round(performance.now() - started),
      });
    };
    child.once('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(scanner);
      input.signal?.removeEventListener('abort', onAbort);
      reject(failed(`could not start ${input.file}: ${err.message}`, err));
    });
    // A program that exits leaves nothing behind: its group goes too, and pipes a grandchild held are let go.
    child.once('exit', () => {
      killGroup(child, tree);
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_MS).unref();
    });
    child.once('close', finish);
  });
}
