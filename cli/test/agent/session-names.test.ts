import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

describe('session names (spec check 50)', () => {
  it('accepts names of 1 and 50 characters, shows them beside the id, and refuses 51', async () => {
    const cli = await inProcessCli();
    expect((await cli.run(['run', '--session-id', 'work', 'hello'])).code).toBe(0);
    const one = await cli.run(['session', 'rename', 'work', 'x']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('session work is now named "x"\n');
    const fifty = 'é'.repeat(50);
    const ok = await cli.run(['session', 'rename', 'work', fifty, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, id: 'work', name: fifty });
    const tooLong = await cli.run(['session', 'rename', 'work', 'é'.repeat(51)]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain(
      'has 51 characters; a name is 1-50 characters of text [ROKU_SESSION_INVALID_NAME]',
    );
    const empty = await cli.run(['session', 'rename', 'work', '   ']);
    expect(empty.stderr).toContain('[ROKU_SESSION_INVALID_NAME]');
    const list = await cli.run(['session', 'list']);
    expect(list.stdout).toMatch(/ID\s+MESSAGES\s+LAST RUN\s+UPDATED\s+NAME/);
    expect(list.stdout).toMatch(new RegExp(`work\\s+2\\s+succeeded\\s+\\S+ ago\\s+${fifty}`));
    const missing = await cli.run(['session', 'rename', 'nope', 'x']);
    expect(missing.stderr).toContain('[ROKU_SESSION_NOT_FOUND]');
  });
});
