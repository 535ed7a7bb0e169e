/**
 * Plugin changes made by `roku plugin …` in another process reach a running agent: the runtime watches the
 * install signal and swaps its snapshot, and uninstalling the owner of a slot falls back to the default.
 */
import { afterEach, expect, it } from 'vitest';
import { createAgentRuntime, createRootLogger, loadConfig } from '@roku/host';
import type { AgentRuntime, ReloadResult, SnapshotInfo } from '@roku/host';
import { freshHome } from './helpers.js';
import type { Home } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Opened {
  readonly runtime: AgentRuntime;
  readonly reloads: ReloadResult[];
  /**
   * Resolves with the first reload since the one the previous `until` returned whose snapshot satisfies
   * `check`: no sleeping, no polling.
   */
  readonly until: (check: (snapshot: SnapshotInfo) => boolean) => Promise<ReloadResult>;
}

async function open(h: Home): Promise<Opened> {
  const loaded = loadConfig({ env: h.env });
  const runtime = await createAgentRuntime({
    config: loaded.config,
    home: loaded.home,
    workspace: h.workspace,
    logger: createRootLogger({ level: 'silent' }),
    env: {},
  });
  cleanup.push(() => runtime.close());
  const reloads: ReloadResult[] = [];
  let cursor = 0;
  let waiting: { check: (s: SnapshotInfo) => boolean; resolve: (r: ReloadResult) => void } | undefined;
  const settle = (): void => {
    for (; waiting !== undefined && cursor < reloads.length; cursor++) {
      const result = reloads[cursor]!;
      if (!waiting.check(result.snapshot)) continue;
      cursor += 1;
      const { resolve } = waiting;
      waiting = undefined;
      resolve(result);
      return;
    }
  };
  // Resolves once every watcher is armed: an install made next is seen.
  await runtime.watch((result) => {
    reloads.push(result);
    settle();
  });
  const until = (check: (snapshot: SnapshotInfo) => boolean): Promise<ReloadResult> =>
    new Promise((resolve) => {
      waiting = { check, resolve };
      settle();
    });
  return { runtime, reloads, until };
}

it('picks up install, disable and uninstall from another process without a restart', async () => {
  const h = await freshHome(false);
  cleanup.push(() => h.remove());
  expect(h.roku(['plugin', 'install', '@roku/plugin-provider-scripted', '--yes']).code).toBe(0);
  const { runtime, reloads, until } = await open(h);
  expect(runtime.snapshotInfo().tools.map((t) => t.name)).not.toContain('echo');

  expect(h.roku(['plugin', 'install', '@roku/example-tool-echo', '--yes']).code).toBe(0);
  await until((s) => s.tools.some((t) => t.name === 'echo'));
  const answer = await runtime.run({ goal: 'echo hot reload works', approvalMode: 'deny' });
  expect(answer.message).toContain('hot reload works');

  expect(h.roku(['plugin', 'disable', '@roku/example-tool-echo']).code).toBe(0);
  await until((s) => !s.tools.some((t) => t.name === 'echo'));

  // An installed memory slot owner wins over the bundled default; uninstalling it falls back to the default.
  expect(h.roku(['plugin', 'install', '@roku/plugin-memory-session', '--yes']).code).toBe(0);
  await until((s) =>
    s.plugins.some((p) => p.id === '@roku/plugin-memory-session' && p.source === 'installed'),
  );
  expect(h.roku(['plugin', 'uninstall', '@roku/plugin-memory-session']).code).toBe(0);
  await until((s) => s.plugins.some((p) => p.id === '@roku/plugin-memory-session' && p.source === 'bundled'));
  expect(runtime.snapshotInfo().memorySlot).toBe('@roku/plugin-memory-session');
  expect(reloads.every((r) => r.ok)).toBe(true);
  expect(reloads.map((r) => r.reason).join('\n')).toContain('plugin apply');
});
