import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { DEV_PLUGINS, agentConfig, freshHome, lines } from './agent/helpers.js';
import type { Home } from './agent/helpers.js';
import { writeRawPlugin } from './support/raw-plugin.js';

const SCRIPTED = '@roku/plugin-provider-scripted';
/** What a hostile plugin logs: clear the screen, retitle the terminal, ring, and reverse the rest. */
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007 owned \u202egnp.exe';
// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

async function homeWith(config: Record<string, unknown>): Promise<Home> {
  const h = await freshHome(false);
  writeFileSync(join(h.home, 'config.json'), JSON.stringify(config));
  return h;
}

function logRecords(home: string): Record<string, unknown>[] {
  const file = join(home, 'logs', 'roku.log');
  return lines(readFileSync(file, 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A dev plugin whose tool `t` logs the hostile warning `times` times, then one plain one. */
function noisyPlugin(times: number): string {
  return writeRawPlugin(tempDir('noisy'), 'noisy', {
    body: `for (let i = 0; i < ${times}; i += 1) await cap('log', { level: 'warn', message: ${JSON.stringify(HOSTILE)}, data: { colour: '\\u001B[31m' } });
await cap('log', { level: 'warn', message: 'second warning' });
return { ok: true };`,
  });
}

describe('log output', () => {
  it('shows a plugin left out for bad settings as one readable line, with the JSON record in the log file', async () => {
    const h = await homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs],
        settings: { [SCRIPTED]: { script: 'bad' } },
      }),
    );
    const r = h.roku(['run', 'hello']);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err[0]).toBe(
      `roku: warning: plugin left out of the snapshot (plugin ${SCRIPTED}): plugins.settings["${SCRIPTED}"]: /script must be array [ROKU_CONFIG_INVALID]`,
    );
    // No JSON and no stack trace on the terminal.
    expect(err.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const record = logRecords(h.home).find((l) => l.msg === 'plugin left out of the snapshot');
    expect(record).toMatchObject({ level: 40, pluginId: SCRIPTED, err: { code: 'ROKU_CONFIG_INVALID' } });
    expect((record?.err as { stack?: string }).stack).toContain('RokuError');
  });

  it('puts JSON records on stderr instead with --log-format json or ROKU_LOG_FORMAT=json, and writes no file', async () => {
    const h = await homeWith(
      agentConfig({ devDirs: [DEV_PLUGINS.scripted], settings: { [SCRIPTED]: { script: 'bad' } } }),
    );
    for (const [args, env] of [
      [['--log-format', 'json', 'run', 'hello'], {}],
      [['run', 'hello'], { ROKU_LOG_FORMAT: 'json' }],
    ] as const) {
      const r = h.roku([...args], undefined, env);
      expect(r.code).toBe(1);
      const json = lines(r.stderr).filter((l) => l.startsWith('{'));
      expect(json.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain(
        'plugin left out of the snapshot',
      );
      expect(r.stderr).not.toContain('roku: warning:');
    }
    expect(existsSync(join(h.home, 'logs'))).toBe(false);
  });

  it('keeps stderr all JSON in pipe mode: events, and warnings as JSON records', async () => {
    const h = await homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted],
        settings: { '@roku/plugin-memory-session': { nope: 1 } },
      }),
    );
    const r = h.roku(['chat', '--pipe'], 'hello');
    expect(r.code, r.stderr).toBe(0);
    const records = lines(r.stderr).map(
      (l) => JSON.parse(l) as { type?: string; level?: number; msg?: string },
    );
    expect(records.filter((l) => l.type !== undefined).length).toBeGreaterThan(2);
    expect(records).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'plugin left out of the snapshot' }),
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });

  it("escapes a plugin's control and bidi characters on the terminal and in the log file, and shows a repeated warning once", async () => {
    const h = await homeWith(agentConfig({ devDirs: [DEV_PLUGINS.scripted, noisyPlugin(40)] }));
    const r = h.roku(['run', 't']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
    const warnings = lines(r.stderr).filter((l) => l.startsWith('roku: '));
    expect(warnings).toEqual([
      'roku: warning from plugin @test/noisy: \\u001B[2J\\u001B]0;pwned\\u0007 owned \\u202Egnp.exe',
      'roku: warning from plugin @test/noisy: second warning',
      `roku: 39 more warnings not shown (39 repeated); all are in ${join(h.home, 'logs', 'roku.log')}`,
    ]);
    const text = readFileSync(join(h.home, 'logs', 'roku.log'), 'utf8');
    expect(text).not.toMatch(RAW_CONTROLS);
    const hostile = logRecords(h.home).filter(
      (l) => l.pluginId === '@test/noisy' && l.msg !== 'second warning',
    );
    expect(hostile).toHaveLength(40);
    expect(hostile[0]).toMatchObject({
      msg: '\\u001B[2J\\u001B]0;pwned\\u0007 owned \\u202Egnp.exe',
      data: { colour: '\\u001B[31m' },
    });
  });

  it('rotates the log file at log.maxFileBytes and keeps log.maxFiles older ones', async () => {
    const h = await homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted, noisyPlugin(60)],
        config: { log: { maxFileBytes: 4096, maxFiles: 2 } },
      }),
    );
    expect(h.roku(['run', 't']).code).toBe(0);
    const logs = join(h.home, 'logs');
    const files = readdirSync(logs).sort();
    expect(files).toHaveLength(3);
    expect(files[0]).toBe('roku.log');
    for (const rotated of files.slice(1)) expect(rotated).toMatch(/^roku\.log\.\d{8}T\d{9}Z-\d+-\d+$/);
    for (const file of readdirSync(logs)) {
      expect(statSync(join(logs, file)).size).toBeLessThanOrEqual(4096);
      // Whole records only: every line of every file parses.
      for (const l of lines(readFileSync(join(logs, file), 'utf8')))
        expect(() => JSON.parse(l) as unknown).not.toThrow();
    }
  });

  it('says once that the log file cannot be written (a full device), and still shows the warnings', async () => {
    const h = await homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted, noisyPlugin(3)],
        config: { log: { file: '/dev/full' } },
      }),
    );
    const r = h.roku(['run', 't']);
    expect(r.code, r.stderr).toBe(0);
    const notes = lines(r.stderr).filter((l) => l.startsWith('roku: '));
    expect(notes[0]).toContain('warning from plugin @test/noisy');
    expect(notes.at(-1)).toMatch(
      /^roku: 2 more warnings not shown \(2 repeated\); the log file \/dev\/full could not be written \(ENOSPC: no space left on device/,
    );
    expect(notes.filter((l) => l.includes('/dev/full'))).toHaveLength(1);
  });
});
