import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { signalPluginChange, watchPluginChanges } from '../../src/index.js';
import type { PluginChangeSignal } from '../../src/index.js';

describe('plugin change signal', () => {
  it('tells a watching host about each committed change once, in order', async () => {
    const home = tempDir('signal');
    const seen: PluginChangeSignal[] = [];
    const watcher = await watchPluginChanges(home, (signal) => seen.push(signal));
    try {
      await signalPluginChange(home, { kind: 'apply', ids: ['@acme/a'] });
      await expect.poll(() => seen.length).toBe(1);
      await signalPluginChange(home, { kind: 'disable', ids: ['@acme/a'] });
      await expect.poll(() => seen.length).toBe(2);
      expect(seen.map((s) => [s.sequence, s.kind, s.ids])).toEqual([
        [1, 'apply', ['@acme/a']],
        [2, 'disable', ['@acme/a']],
      ]);
    } finally {
      watcher.close();
    }
  });
});
