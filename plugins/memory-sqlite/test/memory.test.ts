import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import type { MemoryRecord } from '@roku/plugin-api';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;

const WS = 'ws-one';
const write = (sessionId: string, records: MemoryRecord[], workspaceId = WS) =>
  plugin.call('memory:write', { sessionId, workspaceId, records });
const recall = async (sessionId: string, query: string, limit = 10, workspaceId = WS, config?: unknown) =>
  (await plugin.call(
    'memory:recall',
    { sessionId, workspaceId, query, limit },
    config,
  )) as unknown as MemoryRecord[];
const texts = (records: MemoryRecord[]) => records.map((r) => r.text);

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

describe('sqlite memory in the real sandbox', () => {
  it('recalls by full text across sessions of a workspace, best first, with real scores', async () => {
    await write('s1', [
      { text: 'The user prefers dark mode in the editor', scope: 'workspace' },
      { text: 'Deploys go to the staging cluster first', scope: 'workspace', tags: ['deploy'] },
      { text: 'The editor font is Fira Code', scope: 'workspace' },
    ]);
    const hits = await recall('s2', 'editor dark mode');
    expect(texts(hits)).toEqual(['The user prefers dark mode in the editor', 'The editor font is Fira Code']);
    expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score!);
    expect(hits[0]!.score!).toBeLessThanOrEqual(1);
    expect(hits[0]!.id).toMatch(/^ltm-\d+-\d{6}$/);
    expect(texts(await recall('s2', 'tag:deploy'))).toEqual(['Deploys go to the staging cluster first']);
    expect(await recall('s2', 'kubernetes')).toEqual([]);
  });

  it('keeps session records to their session and workspace records to their workspace', async () => {
    await write('alice', [{ text: 'alice private plan' }]);
    await write('w2-session', [{ text: 'other workspace plan', scope: 'workspace' }], 'ws-two');
    await write('w2-session', [{ text: 'everywhere plan', scope: 'user' }], 'ws-two');
    expect(texts(await recall('alice', 'plan'))).toEqual(
      expect.arrayContaining(['alice private plan', 'everywhere plan']),
    );
    expect(texts(await recall('bob', 'plan'))).toEqual(['everywhere plan']);
  });

  it('ranks important and recent records higher among equal matches', async () => {
    await write('rank', [
      { text: 'zebra crossing near the office', scope: 'workspace', importance: 0.1 },
      { text: 'zebra crossing near the station', scope: 'workspace', importance: 1 },
    ]);
    expect(texts(await recall('rank', 'zebra crossing'))).toEqual([
      'zebra crossing near the station',
      'zebra crossing near the office',
    ]);
  });

  it('updates a record in place by id and forgets by id', async () => {
    await write('upd', [{ id: 'fav-colour', text: 'favourite colour is red', scope: 'user' }]);
    await write('upd', [{ id: 'fav-colour', text: 'favourite colour is teal', scope: 'user' }]);
    const [hit] = await recall('other', 'favourite colour');
    expect(hit).toMatchObject({ id: 'fav-colour', text: 'favourite colour is teal' });
    expect(hit!.updatedAt!).toBeGreaterThanOrEqual(hit!.createdAt!);
    await plugin.call('memory:forget', { sessionId: 'x', ids: ['fav-colour'] });
    expect(await recall('other', 'favourite colour')).toEqual([]);
  });

  it('gives the most recent records for an empty query and clamps limits to 64', async () => {
    const many = Array.from({ length: 70 }, (_, i) => ({
      text: `bulk record ${i}`,
      scope: 'workspace' as const,
    }));
    await write('bulk', many);
    await write('bulk', [{ text: 'the newest one', scope: 'workspace' }]);
    const latest = await recall('bulk', '   ', 1000, WS, { recallTopK: 1000 });
    expect(latest).toHaveLength(64);
    expect(latest[0]!.text).toBe('the newest one');
    expect(await recall('bulk', '', 0, WS, { recallTopK: 5 })).toHaveLength(5);
  });

  it('keeps one summary per session, found by its tag', async () => {
    await write('sum', [{ text: 'first summary', tags: ['session-summary'] }]);
    await write('sum', [{ text: 'second summary', tags: ['session-summary'] }]);
    expect(texts(await recall('sum', 'tag:session-summary'))).toEqual(['second summary']);
    expect(await recall('other-session', 'tag:session-summary')).toEqual([]);
  });

  it('refuses a bad record naming which one, writing nothing', async () => {
    await expect(write('bad', [{ text: 'fine' }, { text: '' }])).rejects.toThrow(/records\[1\]/);
    expect(await recall('bad', 'fine')).toEqual([]);
  });
});

describe('a damaged memory database', () => {
  it('fails recall with a clear corrupt-database error', async () => {
    await write('s', [{ text: 'hello' }]);
    const [folder = ''] = readdirSync(join(host.home, 'plugin-sql'));
    const damaged = await createTestHost();
    try {
      // The same plugin in another home whose database file is garbage from the start.
      mkdirSync(join(damaged.home, 'plugin-sql', folder), { recursive: true });
      writeFileSync(join(damaged.home, 'plugin-sql', folder, 'main.db'), 'garbage '.repeat(4096));
      const p = await damaged.load(dir);
      const failure = await p.call('memory:recall', { sessionId: 's', query: 'hello', limit: 3 }).then(
        () => undefined,
        (err: unknown) => err as { details?: { pluginCode?: string }; message: string },
      );
      expect(failure?.details?.pluginCode).toBe('ROKU_MEMORY_DATABASE_CORRUPT');
      expect(failure?.message).toContain('move ROKU_HOME/plugin-sql');
    } finally {
      await damaged.close();
    }
  });
});

describe('a full memory database', () => {
  it('fails the write with a clear error and keeps what was stored', async () => {
    const own = await createTestHost();
    onTestFinished(() => own.close());
    const small = await own.load(dir, { permissions: { capabilities: { sql: { maxBytes: 131072 } } } });
    await small.call('memory:write', {
      sessionId: 'full',
      records: [{ text: 'kept before the quota', scope: 'user' }],
    });
    const big = Array.from({ length: 64 }, (_, i) => ({
      text: `filler ${i} ${'x'.repeat(4000)}`,
      scope: 'user',
    }));
    const failure = await small.call('memory:write', { sessionId: 'full', records: big }).then(
      () => undefined,
      (err: unknown) => err as { details?: { pluginCode?: string }; message: string },
    );
    expect(failure?.details?.pluginCode).toBe('ROKU_MEMORY_DATABASE_FULL');
    expect(failure?.message).toContain('full');
    const left = (await small.call('memory:recall', {
      sessionId: 'full',
      query: 'kept quota',
      limit: 5,
    })) as unknown as MemoryRecord[];
    expect(texts(left)).toEqual(['kept before the quota']);
  });
});
