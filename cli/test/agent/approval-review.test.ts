import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

/** A write whose content is 60 lines: longer than the first page of the approval prompt. */
const CONTENT = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of the file`).join('\n');
const LONG_WRITE = [
  'write_file',
  JSON.stringify({ path: 'long.txt', content: `${CONTENT}\nrm -rf ~ # hidden at the end` }),
];

// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW = /[\u001b\u202e]/;

describe('reviewing a call before approving it', () => {
  it('shows a short call whole and asks as before', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', 'write_file', '{"path":"a.txt","content":"two\\nlines"}'], {
      tty: true,
      stdin: 'y\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      '  content: (2 lines, 9 characters)\n    │ two\n    │ lines\n  path: "a.txt"\n',
    );
    expect(r.stderr).toContain('[approval] Allow? [y/N/a(auto)] ');
    expect(r.stderr).not.toContain('v(view all)');
    expect(cli.file('a.txt')).toBe('two\nlines');
  });

  it('pages a long call: y is not taken before the rest was seen, v shows it, then y approves', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', ...LONG_WRITE], { tty: true, stdin: 'y\nv\ny\n' });
    expect(r.code, r.stderr).toBe(0);
    const [beforeView = '', ...rest] = r.stderr.split('[approval] Allow? [y/N/a(auto)/v(view all)] ');
    // Asked twice with v: the y before viewing was not taken.
    expect(rest).toHaveLength(2);
    const afterView = rest.join('');
    // First page: the start of the content, not its end.
    expect(beforeView).toContain('    │ line 1 of the file');
    expect(beforeView).not.toContain('hidden at the end');
    expect(beforeView).toMatch(/… \d+ more lines: v to view all/);
    expect(afterView).toMatch(/\d+ lines of this call not seen yet: v shows them, n refuses/);
    expect(afterView).toContain('    │ rm -rf ~ # hidden at the end');
    expect(afterView).toContain('[approval] Allow? [y/N/a(auto)] ');
    expect(afterView).toContain('approved once');
    expect(cli.file('long.txt')).toBe(`${CONTENT}\nrm -rf ~ # hidden at the end`);
  });

  it('refuses a long call answered n without viewing it', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', ...LONG_WRITE], { tty: true, stdin: 'n\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('rejected');
    expect(cli.file('long.txt')).toBeUndefined();
  });

  it('roku approval show prints the whole call, its canonical JSON and a digest that matches it', async () => {
    const cli = await inProcessCli();
    const paused = await cli.run(['run', ...LONG_WRITE]);
    expect(paused.code).toBe(3);
    const id = /ticket (\S+)/.exec(paused.stderr)?.[1] ?? '';
    expect(paused.stderr).toContain(`review the whole call: roku approval show ${id}`);

    const shown = await cli.run(['approval', 'show', id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('tool     write_file [write]');
    expect(shown.stdout).toContain('    │ line 60 of the file\n    │ rm -rf ~ # hidden at the end\n');
    const canonical =
      shown.stdout.split('canonical JSON (what the digest covers):\n')[1]?.split('\n')[0] ?? '';
    const digest = createHash('sha256').update(canonical).digest('hex');
    expect(shown.stdout).toContain(`digest   ${digest} (sha256 of the canonical JSON: matches)`);
    expect(JSON.parse(canonical)).toEqual({
      tool: 'write_file',
      arguments: JSON.parse(LONG_WRITE[1] ?? '') as unknown,
    });
    expect(shown.stdout).toContain(`approve  roku approval approve ${id} --digest ${digest.slice(0, 16)}`);

    const json = JSON.parse((await cli.run(['approval', 'show', id, '--json'])).stdout) as {
      canonical: string;
      digestMatches: boolean;
      approval: { digest: string; status: string };
    };
    expect(json).toMatchObject({ canonical, digestMatches: true, approval: { digest, status: 'pending' } });

    expect((await cli.run(['approval', 'approve', id, '--digest', digest.slice(0, 16)])).code).toBe(0);
    expect(cli.file('long.txt')).toContain('hidden at the end');
  });

  it('escapes control and bidi characters of the call, in the prompt and in approval show', async () => {
    const cli = await inProcessCli();
    const hostile = ['write_file', JSON.stringify({ path: 'x\u202etxt.exe', content: 'a\u001b[2Jb' })];
    const paused = await cli.run(['run', ...hostile]);
    const id = /ticket (\S+)/.exec(paused.stderr)?.[1] ?? '';
    const shown = await cli.run(['approval', 'show', id]);
    // The model's arguments were escaped where they left the provider plugin; the call shows that text quoted.
    expect(shown.stdout).toContain('path: "x\\\\u202Etxt.exe"');
    expect(shown.stdout).toContain('content: "a\\\\u001B[2Jb"');
    expect(shown.stdout).not.toMatch(RAW);
    const asked = await cli.run(['run', ...hostile], { tty: true, stdin: 'n\n' });
    expect(asked.stderr).not.toMatch(RAW);
  });
});
