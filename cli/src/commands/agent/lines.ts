import type { Interface } from 'node:readline';

/**
 * Lines typed (or piped) into a readline interface, read one at a time. Lines that arrive while nobody waits
 * are queued, so input typed ahead during a run, or a whole script piped in, is read in order.
 */
export interface LineReader {
  /** The next line; null once the input ended (ctrl-D) or when `signal` aborts first. */
  next(signal?: AbortSignal): Promise<string | null>;
}

export function createLineReader(rl: Interface): LineReader {
  const queue: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let closed = false;
  rl.on('line', (line: string) => {
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(line);
    else waiter(line);
  });
  rl.on('close', () => {
    closed = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  return {
    next(signal) {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (closed || signal?.aborted === true) return Promise.resolve(null);
      return new Promise((resolve) => {
        const onAbort = (): void => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          resolve(null);
        };
        const waiter = (line: string | null): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(line);
        };
        waiters.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
