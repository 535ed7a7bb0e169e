import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createLogging, createStreamEscaper, escapeControls, escapeJsonLine } from '../../src/index.js';

// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControls', () => {
  it('escapes C0 and C1 controls, DEL, bidi and other format characters, and keeps tab, newline, ZWJ and emoji', () => {
    expect(escapeControls('a\u0000b\u001b[2Jc\u0007\u007f\u009b\r')).toBe(
      'a\\u0000b\\u001B[2Jc\\u0007\\u007F\\u009B\\u000D',
    );
    expect(escapeControls('x\u202ey\u2066z\u200b\ufeff\u{e0041}')).toBe(
      'x\\u202Ey\\u2066z\\u200B\\uFEFF\\u{E0041}',
    );
    expect(escapeControls('tab\there\nline\r\nnext')).toBe('tab\there\nline\nnext');
    expect(escapeControls('👨\u200d👩\u200d👧 می\u200cخواهم')).toBe('👨\u200d👩\u200d👧 می\u200cخواهم');
  });

  it('makes strings well-formed: a lone surrogate becomes U+FFFD, a pair stays', () => {
    expect(escapeControls('a\ud800b\udc00c😀')).toBe('a\ufffdb\ufffdc😀');
  });

  it('streams without breaking a surrogate pair or a CRLF split between pieces', () => {
    const escaper = createStreamEscaper();
    const text = 'ok 😀\r\nnext\u001b';
    // One UTF-16 unit at a time: the emoji's surrogate pair and the CRLF arrive split.
    let out = '';
    for (let i = 0; i < text.length; i += 1) out += escaper.push(text.charAt(i));
    out += escaper.flush();
    expect(out).toBe('ok 😀\nnext\\u001B');
  });
});

describe('escapeJsonLine', () => {
  it('escapes every string of a JSON record, keys too, and leaves clean lines alone', () => {
    const clean = '{"level":40,"msg":"fine"}\n';
    expect(escapeJsonLine(clean)).toBe(clean);
    const line = `${JSON.stringify({ msg: 'a\u001bb', data: { ['k\u202e']: ['\u202ex'] } })}\n`;
    const out = escapeJsonLine(line);
    expect(out).not.toMatch(RAW);
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ msg: 'a\\u001Bb', data: { 'k\\u202E': ['\\u202Ex'] } });
  });
});

describe('createLogging', () => {
  it('sends JSON records to the file and one readable, escaped line per distinct warning to the terminal', () => {
    const file = join(tempDir('log'), 'roku.log');
    let terminal = '';
    const logging = createLogging({ level: 'info', file, terminal: (t) => (terminal += t) });
    const log = logging.logger.child({ pluginId: '@evil/p' });
    for (let i = 0; i < 100; i += 1) log.warn({ err: new Error('boom\u001b[2J') }, 'call failed');
    log.info('only in the file');
    logging.logger.error({ reason: { code: 'ROKU_X', message: 'bad\u202e' } }, 'it broke');
    logging.close();
    expect(terminal.split('\n').filter(Boolean)).toEqual([
      'roku: warning: call failed (plugin @evil/p): boom\\u001B[2J',
      'roku: error: it broke: bad\\u202E [ROKU_X]',
    ]);
    expect(logging.notes()).toEqual([`roku: 99 more warnings not shown (99 repeated); all are in ${file}`]);
    const records = readFileSync(file, 'utf8').trim().split('\n');
    expect(records).toHaveLength(102);
    expect(readFileSync(file, 'utf8')).not.toMatch(RAW);
    expect(JSON.parse(records[0] ?? '')).toMatchObject({
      msg: 'call failed',
      err: { message: 'boom\\u001B[2J' },
    });
  });

  it('shows at most ten new lines a minute on the terminal and counts the rest', () => {
    let terminal = '';
    const logging = createLogging({ level: 'warn', terminal: (t) => (terminal += t) });
    for (let i = 0; i < 25; i += 1) logging.logger.warn(`problem ${i}`);
    expect(terminal.split('\n').filter(Boolean)).toHaveLength(10);
    expect(logging.notes()).toEqual([
      'roku: 15 more warnings not shown (15 over the limit of 10 a minute); rerun with --log-format json to see them',
    ]);
  });

  it('says a full disk once, at the end, unless the command already blamed it', () => {
    let terminal = '';
    const logging = createLogging({ level: 'warn', terminal: (t) => (terminal += t) });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    for (let i = 0; i < 500; i += 1) logging.logger.warn({ err: full }, 'event not recorded');
    expect(terminal).toBe('');
    expect(logging.notes()).toEqual([
      'roku: warning: event not recorded: database or disk is full [SQLITE_FULL] (500 times); free some space on that disk',
    ]);
    expect(logging.notes({ diskFullReported: true })).toEqual([]);
  });

  it('survives a log file it cannot write (ENOSPC on /dev/full): one note, nothing thrown at the caller', () => {
    const logging = createLogging({ level: 'info', file: '/dev/full', terminal: () => undefined });
    expect(() => {
      for (let i = 0; i < 10; i += 1) logging.logger.info('x');
    }).not.toThrow();
    expect(logging.notes()).toEqual([
      expect.stringMatching(
        /^roku: the log file \/dev\/full could not be written \(ENOSPC: no space left on device/,
      ),
    ]);
  });

  it('rotates by size across processes writing the same file at once, losing and splitting no record', async () => {
    const dir = tempDir('log-rotate');
    const file = join(dir, 'roku.log');
    const script = join(dir, 'writer.mjs');
    const entry = new URL('../../dist/index.js', import.meta.url).href;
    writeFileSync(
      script,
      `import { createLogging } from ${JSON.stringify(entry)};
const logging = createLogging({ level: 'info', file: ${JSON.stringify(file)}, fileMaxBytes: 8192, fileKeep: 50 });
for (let i = 0; i < 300; i += 1) logging.logger.info({ writer: process.argv.at(-1), i, pad: 'x'.repeat(100) }, 'line');
logging.close();
`,
    );
    await Promise.all(
      ['a', 'b', 'c'].map((w) =>
        promisify(execFile)(process.execPath, ['-e', `import(${JSON.stringify(script)})`, '--', w]),
      ),
    );
    const files = readdirSync(dir).filter((f) => f.startsWith('roku.log'));
    const records = files.flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { writer: string; i: number }),
    );
    expect(files.length).toBeGreaterThan(3);
    expect(records).toHaveLength(900);
    for (const w of ['a', 'b', 'c']) expect(records.filter((r) => r.writer === w)).toHaveLength(300);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(8192 + 300);
  });
});
