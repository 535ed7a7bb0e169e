import type { AgentRuntime, ReloadResult } from '../../src/agent/runtime-types.js';

export interface Reloads {
  /** Every reload `watch()` reported, in order. */
  readonly results: ReloadResult[];
  /**
   * Resolves with the first reload since the one the previous `until` returned (or since watching started)
   * that satisfies `check`: no sleeping, no polling.
   */
  readonly until: (check: (result: ReloadResult) => boolean) => Promise<ReloadResult>;
}

/** Starts watching and resolves once every watcher is armed, so that a change made next is seen. */
export async function watchReloads(runtime: AgentRuntime): Promise<Reloads> {
  const results: ReloadResult[] = [];
  let cursor = 0;
  let waiting: { check: (r: ReloadResult) => boolean; resolve: (r: ReloadResult) => void } | undefined;
  const settle = (): void => {
    if (waiting === undefined) return;
    for (; cursor < results.length; cursor++) {
      const result = results[cursor]!;
      if (!waiting.check(result)) continue;
      cursor += 1;
      const { resolve } = waiting;
      waiting = undefined;
      resolve(result);
      return;
    }
  };
  await runtime.watch((result) => {
    results.push(result);
    settle();
  });
  return {
    results,
    until: (check) =>
      new Promise((resolve) => {
        waiting = { check, resolve };
        settle();
      }),
  };
}

export const toolNames = (result: ReloadResult): string[] => result.snapshot.tools.map((t) => t.name);
