import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');

function roku(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: tempDir('cli-typed'), ...env },
  });
}

describe('typed failures instead of internal errors', () => {
  it('plugin build on a malformed manifest names the file, the problem and the fix', () => {
    const dir = join(tempDir('cli-build'), 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'roku.plugin.json'), '{"id": ');
    const result = roku(['plugin', 'build', '--json', dir]);
    expect(result.status).toBe(1);
    const out = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(out.error.code).toBe('ROKU_CLI_MANIFEST_INVALID');
    expect(out.error.message).toContain('roku.plugin.json');
    expect(out.error.message).toContain('[ROKU_MANIFEST_JSON_MALFORMED]');
    expect(out.error.message).toContain('roku plugin validate');
  });

  it('registry serve on a busy port says so and how to pick another', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = roku(['registry', 'serve', '--port', String(port), '--dir', tempDir('cli-reg')], {
        ROKU_REGISTRY_TOKEN: 'secret',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(result.stderr).toContain('--port');
      expect(result.stderr).toContain('[ROKU_CLI_LISTEN_FAILED]');
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });
});
