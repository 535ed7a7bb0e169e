import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { main } from '../../src/main.js';

async function roku(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ROKU_HOME: home },
    cwd: home,
  });
  return { code, stdout, stderr };
}

describe('roku token', () => {
  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const home = tempDir('token-home');
    const created = await roku(
      ['token', 'create', '--scope', 'chat,approvals', '--scope', 'metrics', '--name', 'ci'],
      home,
    );
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^roku_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown only now');

    const listed = await roku(['token', 'list', '--json'], home);
    const tokens = (
      JSON.parse(listed.stdout) as {
        tokens: { id: string; name: string; scopes: string[]; revokedAt: number | null }[];
      }
    ).tokens;
    expect(tokens).toEqual([
      expect.objectContaining({ name: 'ci', scopes: ['chat', 'approvals', 'metrics'], revokedAt: null }),
    ]);
    // the secret is base64url and may itself hold '_': everything after the id is the secret
    const secret = /^roku_[0-9a-f]{12}_(.+)$/.exec(token)?.[1] ?? '';
    expect(secret).toHaveLength(43);
    expect(listed.stdout).not.toContain(secret);

    const id = tokens[0]?.id ?? '';
    expect((await roku(['token', 'revoke', id], home)).stdout).toBe(`revoked token ${id} (ci)\n`);
    const after = JSON.parse((await roku(['token', 'list', '--json'], home)).stdout) as {
      tokens: { revokedAt: number | null }[];
    };
    expect(after.tokens[0]?.revokedAt).not.toBeNull();
  });

  it('refuses an unknown scope and an unknown id with their codes', async () => {
    const home = tempDir('token-home');
    const bad = await roku(['token', 'create', '--scope', 'root'], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'token scope "root" is not one of chat, approvals, admin, metrics [ROKU_TOKEN_INVALID_SCOPE]',
    );
    const unknown = await roku(['token', 'revoke', 'abc'], home);
    expect(unknown.stderr).toContain('[ROKU_TOKEN_NOT_FOUND]');
  });
});
