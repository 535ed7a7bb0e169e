import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { envWithStoredSecrets } from '../../src/commands/auth/store.js';
import { inProcessCli } from '../agent/helpers.js';

const KEY = 'sk-auth-test-8c1d2e';

describe('roku auth', () => {
  it('stores a secret read from stdin in auth.json with mode 0600, lists it without its value and removes it', async () => {
    const cli = await inProcessCli({ devDirs: [] });
    const set = await cli.run(['auth', 'set', 'OPENAI_API_KEY'], { stdin: `${KEY}\n` });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(KEY);
    const file = join(cli.home, 'auth.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      secrets: { OPENAI_API_KEY: { value: KEY } },
    });

    const list = await cli.run(['auth', 'list']);
    expect(list.stdout).toContain('OPENAI_API_KEY');
    expect(list.stdout).toContain('auth.json');
    expect(list.stdout).not.toContain(KEY);
    const json = await cli.run(['auth', 'list', '--json'], { env: { OPENAI_API_KEY: 'from-env' } });
    expect(json.stdout).not.toContain(KEY);
    expect(json.stdout).not.toContain('from-env');
    expect(JSON.parse(json.stdout)).toMatchObject({
      secrets: [{ name: 'OPENAI_API_KEY', source: 'environment', stored: true, environment: true }],
    });

    expect((await cli.run(['auth', 'remove', 'OPENAI_API_KEY'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ secrets: {} });
    const again = await cli.run(['auth', 'remove', 'OPENAI_API_KEY']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ROKU_CLI_AUTH_NOT_FOUND');
  });

  it('replaces a stored value, forcing mode 0600 on a file that had another', async () => {
    const cli = await inProcessCli({ devDirs: [] });
    const file = join(cli.home, 'auth.json');
    writeFileSync(file, JSON.stringify({ version: 1, secrets: { OLD_KEY: { value: 'old' } } }), {
      mode: 0o644,
    });
    expect((await cli.run(['auth', 'set', 'NEW_KEY'], { stdin: 'new' })).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      secrets: { OLD_KEY: { value: 'old' }, NEW_KEY: { value: 'new' } },
    });
  });

  it('refuses a bad name, an empty value and an unreadable auth.json with clear errors', async () => {
    const cli = await inProcessCli({ devDirs: [] });
    const bad = await cli.run(['auth', 'set', 'openai-key'], { stdin: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a secret name');
    const empty = await cli.run(['auth', 'set', 'EMPTY_KEY'], { stdin: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no value given for EMPTY_KEY');
    writeFileSync(join(cli.home, 'auth.json'), '{ not json');
    const list = await cli.run(['auth', 'list']);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('auth.json: is not valid JSON');
    expect(list.stderr).toContain('ROKU_CLI_AUTH_FILE_INVALID');
  });

  it('gives plugins the stored secrets, with environment variables winning', () => {
    const home = tempDir('auth-env');
    writeFileSync(
      join(home, 'auth.json'),
      JSON.stringify({ version: 1, secrets: { A_KEY: { value: 'stored-a' }, B_KEY: { value: 'stored-b' } } }),
    );
    const env = envWithStoredSecrets(home, { B_KEY: 'env-b', PATH: '/bin' });
    expect(env).toMatchObject({ A_KEY: 'stored-a', B_KEY: 'env-b', PATH: '/bin' });
  });
});
