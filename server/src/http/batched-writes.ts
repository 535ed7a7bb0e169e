import type { ServerResponse } from 'node:http';

export interface BatchedWriter {
  readonly write: (chunk: string) => void;
  /** Sends what is corked, then ends the response (with a last chunk). */
  readonly end: (chunk?: string) => void;
}

/**
 * Writes to a streamed response, the writes of one turn of the event loop going out together: a provider's
 * events arrive in batches, and a write each cost a system call each. The first write of a turn corks the
 * socket and the turn's end uncorks it, so nothing waits longer than the current turn (time to first token is
 * unchanged).
 */
export function batchedWriter(res: ServerResponse): BatchedWriter {
  let corked = false;
  const uncork = (): void => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  return {
    write: (chunk) => {
      if (res.destroyed || res.writableEnded) return;
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(chunk);
    },
    end: (chunk) => {
      uncork();
      if (res.writableEnded) return;
      if (chunk === undefined) res.end();
      else res.end(chunk);
    },
  };
}
