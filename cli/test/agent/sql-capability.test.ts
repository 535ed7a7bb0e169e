/**
 * The SQL capability as a third-party plugin meets it: a plain-JavaScript tool (no SDK) granted a database of
 * its own, driven by the agent through `roku run`. What reaches outside that database is refused with a clear
 * error the model sees, and the session goes on.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawPluginSource, tempDir } from '@roku/test-support';
import { DEV_PLUGINS, inProcessCli } from './helpers.js';

function sqlToolPlugin(parent: string): string {
  const dir = join(parent, 'sql-tool');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    manifestVersion: 1,
    id: '@test/sql-tool',
    version: '0.0.1',
    description: 'Runs the SQL it is given on its own database.',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js' },
    contributes: {
      tools: [
        {
          name: 't',
          description: 'Run one SQL statement.',
          inputSchema: { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] },
          risk: ['read'],
        },
      ],
    },
    permissions: { capabilities: { sql: { maxBytes: 1048576, statementTimeoutMs: 500 } } },
    limits: { cpuMsPerCall: 500, wallMsPerCall: 5000, memoryMb: 32 },
  };
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, 'plugin.js'),
    rawPluginSource("return cap('sql.query', { sql: input.sql, params: [] });"),
  );
  return dir;
}

describe('a plugin’s own SQL database, through the agent', () => {
  it('works inside the database and refuses what reaches outside it, the session going on', async () => {
    const escape = join(tempDir('sql-escape'), 'stolen.db');
    const cli = await inProcessCli({ devDirs: [DEV_PLUGINS.scripted, sqlToolPlugin(tempDir('sql-plugin'))] });
    const run = (sql: string) => cli.run(['run', '--session-id', 'sql', `t ${sql}`]);

    const create = await run('CREATE TABLE notes (body TEXT)');
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout, create.stdout).toContain('"ok":true');

    for (const [sql, why] of [
      [`ATTACH DATABASE '${escape}' AS other`, 'ATTACH and DETACH are not allowed'],
      [`VACUUM INTO '${escape}'`, 'ATTACH and DETACH are not allowed'],
      ["SELECT load_extension('/tmp/evil.so')", 'function load_extension is not allowed'],
      ['PRAGMA writable_schema = ON', 'PRAGMA writable_schema is not allowed'],
    ] as const) {
      const r = await run(sql);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('ROKU_CAPABILITY_DENIED');
      expect(r.stdout).toContain(why);
    }
    const slow = await run(
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
    );
    expect(slow.stdout).toContain('ROKU_SQL_TIMEOUT');
    expect(existsSync(escape)).toBe(false);

    const after = await run("INSERT INTO notes VALUES ('still here')");
    expect(after.stdout).toContain('"changes":1');
    const session = await cli.session('sql');
    expect(session?.runs.every((r) => r.status === 'succeeded')).toBe(true);
  }, 120_000);
});
