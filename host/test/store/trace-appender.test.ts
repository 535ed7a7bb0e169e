/**
 * A run's trace file is created on the thread pool at its first write. Lines must not wait in memory for it past
 * the run's first group: a kill -9 would lose them while the events they mirror are committed.
 */
import { pbkdf2 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createTraceAppender } from '../../src/store/trace-appender.js';

describe('trace appender', () => {
  it("writes a run's second group of lines at once, even while the thread pool is busy", async () => {
    const dir = tempDir('trace-appender');
    const appender = createTraceAppender(dir, 1 << 20);
    // every thread of the pool busy for a while: the background creation of the file waits behind them
    const busy = Array.from(
      { length: 16 },
      () =>
        new Promise((resolve) => {
          pbkdf2('x', 'y', 200_000, 64, 'sha512', resolve);
        }),
    );
    const file = join(dir, 'run-1.jsonl');
    expect(appender.writeLines(file, ['{"seq":1}\n'], 0)).toBe(1);
    expect(appender.writeLines(file, ['{"seq":2}\n', '{"seq":3}\n'], 0)).toBe(2);
    // what a kill -9 now would leave behind: no drain, no close
    expect(readFileSync(file, 'utf8')).toBe('{"seq":1}\n{"seq":2}\n{"seq":3}\n');
    await Promise.all(busy);
    // the background open, done late, adds nothing
    await new Promise((resolve) => setTimeout(resolve, 50));
    appender.closeAll();
    expect(readFileSync(file, 'utf8')).toBe('{"seq":1}\n{"seq":2}\n{"seq":3}\n');
  });
});
