import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { openStore } from './helpers.js';

describe('store plugin state', () => {
  it('records the last snapshot, keeps quarantines across reopen and drops plugins that are gone', () => {
    const { store, home } = openStore();
    store.recordPlugins([
      { id: '@a/one', version: '1.0.0', origin: 'installed', status: 'loaded' },
      { id: '@a/two', version: '2.0.0', origin: 'dev', status: 'left-out', problem: 'entry missing' },
    ]);
    store.quarantinePlugin('@a/one', '1.0.0', 'ROKU_SANDBOX_TIMEOUT: spun');
    store.recordPlugins([{ id: '@a/one', version: '1.0.0', origin: 'installed', status: 'loaded' }]);
    store.close();

    const reopened = createStore({ file: home.file, traceDir: home.traceDir });
    const rows = reopened.listPluginStates();
    expect(rows.map((r) => [r.id, r.status])).toEqual([['@a/one', 'quarantined']]);
    expect(rows[0]?.quarantineReason).toBe('ROKU_SANDBOX_TIMEOUT: spun');
    expect(reopened.releaseQuarantine('@a/one')).toBe(true);
    expect(reopened.releaseQuarantine('@a/one')).toBe(false);
    reopened.recordPlugins([]);
    expect(reopened.listPluginStates()).toEqual([]);
    reopened.close();
  });
});
