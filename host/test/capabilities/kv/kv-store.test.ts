import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readScriptedKv, tempDir } from '@roku/test-support';
import { createKvStore, MAX_KV_KEY_BYTES } from '../../../src/capabilities/index.js';
import type { KvStore } from '../../../src/capabilities/index.js';
import { createHarness, expectError, expectOk } from '../helpers.js';

const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function store(): { kv: KvStore; file: string } {
  const file = join(tempDir('kv'), 'state', 'kv.db');
  const kv = createKvStore(file);
  cleanup.push(() => {
    kv.close();
  });
  return { kv, file };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('kv store', () => {
  it("keeps plugins' values where the test helpers read the scripted provider's strict-mode records", () => {
    const home = tempDir('kv-home');
    const kv = createKvStore(join(home, 'state', 'plugin-kv.db'));
    cleanup.push(() => {
      kv.close();
    });
    kv.set('@roku/plugin-provider-scripted', 'strict:script:abc', '["step"]', 1000);
    kv.set('@roku/plugin-provider-scripted', 'attempts:x', '1', 1000);
    kv.set('@acme/other', 'strict:script:abc', 'not the provider', 1000);
    expect([...readScriptedKv(home)]).toEqual([['strict:script:abc', '["step"]']]);
  });

  it('keeps plugins apart and persists values in the SQLite file', () => {
    const { kv, file } = store();
    kv.set('@acme/a', 'city', 'Oslo', 1000);
    kv.set('@acme/b', 'city', 'Lima', 1000);
    expect(kv.get('@acme/a', 'city')).toBe('Oslo');
    expect(kv.get('@acme/b', 'city')).toBe('Lima');
    const reopened = createKvStore(file);
    expect(reopened.get('@acme/a', 'city')).toBe('Oslo');
    reopened.close();
  });

  it('enforces the quota on keys plus values, counting overwrites and deletes', () => {
    const { kv } = store();
    kv.set('@acme/a', 'k1', 'x'.repeat(40), 100); // 42 bytes
    kv.set('@acme/a', 'k2', 'y'.repeat(40), 100); // 84 bytes
    expect(
      code(() => {
        kv.set('@acme/a', 'k3', 'z'.repeat(40), 100);
      }),
    ).toBe('ROKU_CAPABILITY_LIMIT');
    kv.set('@acme/a', 'k2', 'y'.repeat(50), 100); // overwrite: 42 + 52 = 94
    expect(kv.usage('@acme/a')).toBe(94);
    kv.delete('@acme/a', 'k1');
    kv.set('@acme/a', 'k3', 'z'.repeat(40), 100);
    expect(kv.usage('@acme/a')).toBe(94);
  });

  it('limits keys to 512 bytes and lists keys by prefix', () => {
    const { kv } = store();
    expect(
      code(() => {
        kv.set('@acme/a', 'k'.repeat(MAX_KV_KEY_BYTES + 1), 'v', 1e6);
      }),
    ).toBe('ROKU_CAPABILITY_LIMIT');
    for (const key of ['user:2', 'user:1', 'users', 'admin']) kv.set('@acme/a', key, '1', 1e6);
    expect(kv.list('@acme/a', 'user:', 100)).toEqual(['user:1', 'user:2']);
    expect(kv.list('@acme/a', '', 2)).toEqual(['admin', 'user:1']);
  });

  it('answers kv requests of a plugin within limits.storageBytes', async () => {
    const h = createHarness({ limits: { storageBytes: 64 } });
    cleanup.push(() => void h.dispose());
    expectOk(await h.request('kv.set', { key: 'last', value: 'Oslo' }));
    expect(expectOk(await h.request('kv.get', { key: 'last' }))).toEqual({ value: 'Oslo' });
    const message = expectError(
      await h.request('kv.set', { key: 'big', value: 'x'.repeat(100) }),
      'ROKU_CAPABILITY_LIMIT',
    );
    expect(message).toContain('limits.storageBytes = 64');
    expect(expectOk(await h.request('kv.list', { prefix: '' }))).toEqual({ keys: ['last'] });
    expectOk(await h.request('kv.delete', { key: 'last' }));
    expect(expectOk(await h.request('kv.get', { key: 'last' }))).toEqual({ value: null });
  });
});
