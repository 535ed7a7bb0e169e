/**
 * Plugin changes made by `roku plugin …` in another process reach a running agent: the runtime watches the
 * install signal and swaps its snapshot, and uninstalling the owner of a slot falls back to the default.
 */
import { afterEach, expect, it } from 'vitest';
import { createAgentRuntime, createRootLogger, loadConfig } from '@roku/host';
import type { AgentRuntime, ReloadResult } from '@roku/host';
import { freshHome } from './helpers.js';
import type { Home } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function open(h: Home): Promise<{ runtime: AgentRuntime; reloads: ReloadResult[] }> {
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
  runtime.watch((r) => reloads.push(r));
  await new Promise((r) => setTimeout(r, 200));
  return { runtime, reloads };
}

it('picks up install, disable and uninstall from another process without a restart', async () => {
  const h = await freshHome(false);
  cleanup.push(() => h.remove());
  expect(h.roku(['plugin', 'install', '@roku/plugin-provider-scripted', '--yes']).code).toBe(0);
  const { runtime, reloads } = await open(h);
  expect(runtime.snapshotInfo().tools.map((t) => t.name)).not.toContain('echo');

  expect(h.roku(['plugin', 'install', '@roku/example-tool-echo', '--yes']).code).toBe(0);
  await until(() => runtime.snapshotInfo().tools.some((t) => t.name === 'echo'), 'echo is loaded');
  const answer = await runtime.run({ goal: 'echo hot reload works', approvalMode: 'deny' });
  expect(answer.message).toContain('hot reload works');

  expect(h.roku(['plugin', 'disable', '@roku/example-tool-echo']).code).toBe(0);
  await until(() => !runtime.snapshotInfo().tools.some((t) => t.name === 'echo'), 'echo is gone');

  // An installed memory slot owner wins over the bundled default; uninstalling it falls back to the default.
  expect(h.roku(['plugin', 'install', '@roku/plugin-memory-session', '--yes']).code).toBe(0);
  await until(
    () =>
      runtime
        .snapshotInfo()
        .plugins.some((p) => p.id === '@roku/plugin-memory-session' && p.source === 'installed'),
    'the installed memory plugin is used',
  );
  expect(h.roku(['plugin', 'uninstall', '@roku/plugin-memory-session']).code).toBe(0);
  await until(
    () =>
      runtime
        .snapshotInfo()
        .plugins.some((p) => p.id === '@roku/plugin-memory-session' && p.source === 'bundled'),
    'the bundled default is back',
  );
  expect(runtime.snapshotInfo().memorySlot).toBe('@roku/plugin-memory-session');
  expect(reloads.every((r) => r.ok)).toBe(true);
  expect(reloads.map((r) => r.reason).join('\n')).toContain('plugin apply');
});
