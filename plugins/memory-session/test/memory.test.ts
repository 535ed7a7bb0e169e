import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import type { MemoryRecord } from '@roku/plugin-api';
import { tempDir } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;

const write = (sessionId: string, records: MemoryRecord[], p = plugin) =>
  p.call('memory:write', { sessionId, records });
const recall = async (sessionId: string, query: string, limit = 10) =>
  (await plugin.call('memory:recall', { sessionId, query, limit })) as unknown as MemoryRecord[];
const list = async (sessionId: string, limit = 1000, p = plugin) =>
  (await p.call('memory:list', { sessionId, limit })) as unknown as MemoryRecord[];
const texts = (records: MemoryRecord[]) => records.map((r) => r.text);

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

describe('session memory in the real sandbox', () => {
  it('recalls records by keyword overlap, best first, with scores from 0 to 1 and assigned ids', async () => {
    const before = Date.now();
    await write('s-recall', [
      { text: 'The user prefers dark mode in the editor' },
      { text: 'Deploys go to the staging cluster first', tags: ['Deploy'] },
      { text: 'The editor font is Fira Code' },
    ]);
    const hits = await recall('s-recall', 'Editor dark MODE?');
    expect(texts(hits)).toEqual(['The user prefers dark mode in the editor', 'The editor font is Fira Code']);
    expect(hits[0]?.score).toBe(1);
    expect(hits[1]?.score).toBeCloseTo(1 / 3);
    for (const hit of hits) {
      expect(hit.id).toMatch(/.+/);
      expect(hit.createdAt).toBeGreaterThanOrEqual(before);
    }
    expect(texts(await recall('s-recall', 'deploy'))).toEqual(['Deploys go to the staging cluster first']);
    expect(await recall('s-recall', 'kubernetes')).toEqual([]);
  });

  it('never shows one session the records of another', async () => {
    await write('alice', [{ text: 'alice secret plan' }]);
    await write('alice:bob', [{ text: 'colon session plan' }]);
    await write('alicex', [{ text: 'prefix session plan' }]);
    expect(texts(await recall('alice', 'plan'))).toEqual(['alice secret plan']);
    expect(texts(await recall('bob', 'alice secret plan'))).toEqual([]);
    expect(texts(await list('alice:bob'))).toEqual(['colon session plan']);
    expect(texts(await list('alicex'))).toEqual(['prefix session plan']);
    const [aliceRecord] = await list('alice');
    await plugin.call('memory:forget', { sessionId: 'bob', ids: [aliceRecord!.id] });
    expect(texts(await list('alice'))).toEqual(['alice secret plan']);
    const long = 'x'.repeat(600);
    await write(long, [{ text: 'long session id' }]);
    expect(texts(await list(long))).toEqual(['long session id']);
    expect(await list(`${long}y`)).toEqual([]);
  });

  it('returns the most recent first for an empty query and for equal scores', async () => {
    await write('s-order', [{ text: 'first note about cats' }]);
    await write('s-order', [{ text: 'second note about cats' }, { text: 'third note about dogs' }]);
    expect(texts(await recall('s-order', '   '))).toEqual([
      'third note about dogs',
      'second note about cats',
      'first note about cats',
    ]);
    expect(texts(await recall('s-order', 'cats', 1))).toEqual(['second note about cats']);
    expect(texts(await recall('s-order', 'note'))).toEqual([
      'third note about dogs',
      'second note about cats',
      'first note about cats',
    ]);
  });

  it('lists most recent first up to the limit, and forgets by id', async () => {
    await write('s-list', [{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
    const all = await list('s-list');
    expect(texts(all)).toEqual(['three', 'two', 'one']);
    expect(texts(await list('s-list', 2))).toEqual(['three', 'two']);
    await plugin.call('memory:forget', { sessionId: 's-list', ids: [all[1]!.id, 'no-such-id'] });
    expect(texts(await list('s-list'))).toEqual(['three', 'one']);
  });

  it('replaces a record written again with the same id, making it the newest', async () => {
    await write('s-ids', [
      { id: 'pref', text: 'likes tea' },
      { id: 'other', text: 'lives in Oslo' },
    ]);
    await write('s-ids', [{ id: 'pref', text: 'likes coffee' }]);
    expect((await list('s-ids')).map((r) => [r.id, r.text])).toEqual([
      ['pref', 'likes coffee'],
      ['other', 'lives in Oslo'],
    ]);
  });

  it('refuses a text longer than 8192 characters with a clear error and writes nothing of the batch', async () => {
    await expect(write('s-long', [{ text: 'fine' }, { text: 'y'.repeat(8193) }])).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'ROKU_MEMORY_TEXT_TOO_LONG' },
      message: expect.stringContaining('records[1].text is 8193 characters; the limit is 8192') as unknown,
    });
    expect(await list('s-long')).toEqual([]);
    // 8192 astral characters are 16384 UTF-16 units but within the limit.
    await write('s-long', [{ text: '😀'.repeat(8192) }]);
    expect(await list('s-long')).toHaveLength(1);
  });

  it('requires a session id', async () => {
    await expect(plugin.call('memory:recall', { query: 'x', limit: 3 })).rejects.toMatchObject({
      details: { pluginCode: 'ROKU_MEMORY_SESSION_REQUIRED' },
    });
  });

  it('keeps at most 1000 records per session, dropping the oldest', async () => {
    const batch = (from: number, count: number): MemoryRecord[] =>
      Array.from({ length: count }, (_, i) => ({ text: `note ${from + i}` }));
    await write('s-cap', batch(0, 600));
    await write('s-cap', batch(600, 410));
    const all = await list('s-cap', 5000);
    expect(all).toHaveLength(1000);
    expect(all[0]?.text).toBe('note 1009');
    expect(all.at(-1)?.text).toBe('note 10');
    expect(texts(await recall('s-cap', '5'))).toEqual([]);
    expect(texts(await recall('s-cap', '10'))).toEqual(['note 10']);
  });
});

describe('session memory when its storage quota is used up', () => {
  let small: TestHost;
  let smallDir: string;

  beforeAll(async () => {
    // The same built plugin with a 24 KiB storage quota.
    smallDir = tempDir('memory-session');
    cpSync(join(dir, 'dist'), join(smallDir, 'dist'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as {
      limits: Record<string, number>;
    };
    manifest.limits.storageBytes = 24 * 1024;
    writeFileSync(join(smallDir, 'roku.plugin.json'), JSON.stringify(manifest));
    small = await createTestHost();
  });
  afterAll(async () => {
    await small.close();
  });

  it('drops the least recently written other session, then the oldest records of the current one', async () => {
    const p = await small.load(smallDir);
    const text = (n: number) => `${String(n).padStart(4, '0')} ${'z'.repeat(1000)}`;
    await write('old', [{ text: text(0) }, { text: text(1) }], p);
    await write('newer', [{ text: text(2) }], p);
    for (let i = 0; i < 30; i++) await write('current', [{ text: text(100 + i) }], p);
    expect(await list('old', 1000, p)).toEqual([]);
    expect(await list('newer', 1000, p)).toEqual([]);
    const kept = await list('current', 1000, p);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(30);
    expect(kept[0]?.text).toBe(text(129));
    // 8192 emoji are 32 KiB of UTF-8: more than the whole quota.
    await expect(write('current', [{ text: '😀'.repeat(8192) }], p)).rejects.toMatchObject({
      details: { pluginCode: 'ROKU_MEMORY_STORAGE_FULL' },
    });
  });

  it('still drops a session written again in its realm after another process dropped it', async () => {
    const p = await small.load(smallDir);
    const text = (n: number) => `${String(n).padStart(4, '0')} ${'y'.repeat(1000)}`;
    // Calls of one session may share a realm (as the runtime's do); calls without a session never do, like
    // another process on the same ROKU_HOME.
    const inRealm = (n: number) =>
      p.sandbox.call(
        'memory:write',
        { sessionId: 'kept', records: [{ text: text(n) }] },
        { session: 'kept' },
      );
    await inRealm(0);
    for (let i = 0; i < 30; i++) await write('other', [{ text: text(100 + i) }], p);
    expect(await list('kept', 1000, p)).toEqual([]);
    // Written again a moment later in the same realm: the session must be known for eviction again.
    await inRealm(1);
    for (let i = 0; i < 30; i++) await write('other', [{ text: text(200 + i) }], p);
    expect(await list('kept', 1000, p)).toEqual([]);
    expect((await list('other', 1000, p))[0]?.text).toBe(text(229));
  });
});
