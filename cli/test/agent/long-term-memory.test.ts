/**
 * Long-term memory through the real binary: @roku/plugin-memory-sqlite installed from the embedded registry,
 * records written in one process and recalled by the agent in the next, `roku memory` for the user, and a
 * damaged database that fails clearly while the session goes on. Needs the workspace build (`pnpm build`).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { writeEchoProvider } from './echo-provider.js';
import { freshHome } from './helpers.js';
import type { Home } from './helpers.js';

const E2E_TIMEOUT = 120_000;
const MEMORY = '@roku/plugin-memory-sqlite';

async function memoryHome(config: Record<string, unknown> = {}): Promise<Home> {
  const h = await freshHome();
  const installed = h.roku(['plugin', 'install', MEMORY, '--yes', '--json']);
  expect(installed.code, installed.stderr).toBe(0);
  const echo = writeEchoProvider(tempDir('echo'));
  writeFileSync(
    join(h.home, 'config.json'),
    JSON.stringify({ ...config, plugins: { memorySlot: MEMORY, devDirs: [echo] } }),
  );
  return h;
}

interface SearchResult {
  ok: boolean;
  records: { id: string; text: string; score?: number; scope: string }[];
}

describe('long-term memory with the sqlite slot', () => {
  it(
    'recalls in a later process what was written in an earlier one, for the agent and for roku memory',
    async () => {
      const h = await memoryHome();
      const wrote = h.roku(['memory', 'write', 'The user’s favourite colour is teal', '--importance', '0.9']);
      expect(wrote.code, wrote.stderr).toBe(0);
      const id = wrote.stdout.trim();
      expect(id).toMatch(/^ltm-\d+-\d{6}$/);
      h.roku(['memory', 'write', 'Deploys go to the staging cluster first', '--tag', 'deploy']);

      // Another process, another session: the agent gets the record in its prompt.
      const run = h.roku([
        'run',
        '--model',
        'echo/echo-1',
        '--session-id',
        'later',
        'what is my favourite colour?',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('Memory (recalled for this request):');
      expect(run.stdout).toContain('favourite colour is teal');
      expect(run.stdout).not.toContain('staging cluster');

      const search = JSON.parse(h.roku(['memory', 'search', 'colour', '--json']).stdout) as SearchResult;
      expect(search.records.map((r) => r.id)).toEqual([id]);
      expect(search.records[0]?.score).toBeGreaterThan(0);
      // An empty query lists the most recent first.
      const recent = JSON.parse(h.roku(['memory', 'search', '--json']).stdout) as SearchResult;
      expect(recent.records.map((r) => r.text)).toEqual([
        'Deploys go to the staging cluster first',
        'The user’s favourite colour is teal',
      ]);
      expect(h.roku(['memory', 'show', id]).stdout).toContain('importance: 0.9');
      const exported = h.roku(['memory', 'export']).stdout.trim().split('\n');
      expect(exported).toHaveLength(2);
      expect(h.roku(['memory', 'delete', id]).code).toBe(0);
      const gone = h.roku(['memory', 'show', id]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('ROKU_MEMORY_NOT_FOUND');
    },
    E2E_TIMEOUT,
  );

  it(
    'remembers finished exchanges for the workspace when write-back is on, and not otherwise',
    async () => {
      const h = await memoryHome();
      expect(h.roku(['run', '--session-id', 'one', 'the build password hint is blue falcon']).code).toBe(0);
      expect(JSON.parse(h.roku(['memory', 'search', 'falcon', '--json']).stdout)).toMatchObject({
        records: [],
      });

      writeFileSync(
        join(h.home, 'config.json'),
        JSON.stringify({
          agent: { rememberExchanges: true },
          plugins: { memorySlot: MEMORY, devDirs: [writeEchoProvider(tempDir('echo'))] },
        }),
      );
      expect(h.roku(['run', '--session-id', 'two', 'the build password hint is blue falcon']).code).toBe(0);
      const later = h.roku([
        'run',
        '--model',
        'echo/echo-1',
        '--session-id',
        'three',
        'what was the password hint?',
      ]);
      expect(later.code, later.stderr).toBe(0);
      expect(later.stdout).toContain('blue falcon');
    },
    E2E_TIMEOUT,
  );

  it(
    'says clearly that the memory database is corrupt, and the session goes on with the default slot',
    async () => {
      const h = await memoryHome();
      expect(h.roku(['memory', 'write', 'something to keep']).code).toBe(0);
      const [folder = ''] = readdirSync(join(h.home, 'plugin-sql'));
      const file = join(h.home, 'plugin-sql', folder, 'main.db');
      writeFileSync(file, 'this is not a database '.repeat(2000));
      for (const extra of ['-wal', '-shm']) writeFileSync(`${file}${extra}`, '');

      const search = h.roku(['memory', 'search', 'something']);
      expect(search.code).not.toBe(0);
      expect(search.stderr).toContain('ROKU_MEMORY_SLOT_UNAVAILABLE');
      expect(search.stderr).toContain('the memory database is corrupt');
      expect(search.stderr).toContain('move ROKU_HOME/plugin-sql');

      const run = h.roku(['run', '--session-id', 's', 'hello there']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('hello there');
      expect(run.stderr).toContain('@roku/plugin-memory-sqlite');
      expect(run.stderr).toContain('the memory database is corrupt');
    },
    E2E_TIMEOUT,
  );
});
