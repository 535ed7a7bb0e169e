import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateKeyPair, keyId } from '@roku/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, repo, run, tempDir } from './helpers.js';

const bin = join(repo, 'cli/dist/bin.js');

describe('roku registry serve', () => {
  beforeAll(() => {
    if (!existsSync(bin)) execFileSync('pnpm', ['--filter', '@roku/cli...', 'run', 'build'], { cwd: repo });
  });

  it('serves /-/ping on the URL it prints and stops cleanly on SIGTERM', async () => {
    const root = join(tempDir('serve'), 'data');
    const child = spawn(process.execPath, [bin, 'registry', 'serve', '--dir', root, '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', ROKU_HOME: tempDir('home'), ROKU_REGISTRY_TOKEN: 't0ken' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        done(code);
      }),
    );
    try {
      const url = await new Promise<string>((done, fail) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const match = /listening on (http:\/\/\S+)/.exec(line);
          if (match?.[1] !== undefined) done(match[1]);
        });
        child.once('exit', (code) => {
          fail(new Error(`exited with ${code}`));
        });
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ping = await fetch(`${url}/-/ping`);
      expect(await ping.json()).toEqual({ ok: true });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses to start without a publish token', () => {
    const result = spawnSync(process.execPath, [bin, 'registry', 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', ROKU_HOME: tempDir('home') },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ROKU_REGISTRY_TOKEN');
  });
});

describe('roku registry trust and keys', () => {
  it('adds a key to the trust store, prints its id and lists it', async () => {
    const home = tempDir('home');
    const { publicKey } = generateKeyPair();
    const trust = await run(['registry', 'trust', publicKey, '--json'], { home });
    expect(trust.code).toBe(0);
    expect(parse<{ keyId: string }>(trust).keyId).toBe(keyId(publicKey));
    expect(JSON.parse(readFileSync(join(home, 'trust.json'), 'utf8'))).toEqual({ keys: [publicKey] });

    const keys = await run(['registry', 'keys', '--json'], { home });
    expect(parse<{ keys: { keyId: string; publicKey: string }[] }>(keys).keys).toEqual([
      { keyId: keyId(publicKey), publicKey },
    ]);
  });

  it('trusts the key in a .pub file written by keygen', async () => {
    const home = tempDir('home');
    const made = parse<{ publicKey: string; publicKeyFile: string }>(
      await run(['plugin', 'keygen', '--out', tempDir('keys'), '--json'], { home }),
    );
    const trust = await run(['registry', 'trust', made.publicKeyFile], { home });
    expect(trust.code).toBe(0);
    expect(trust.stdout).toContain(keyId(made.publicKey));
  });

  it('refuses a malformed key with ROKU_REGISTRY_BAD_KEY', async () => {
    const result = await run(['registry', 'trust', 'ed25519:short', '--json'], { home: tempDir('home') });
    expect(result.code).toBe(1);
    expect(parse<{ error: { code: string } }>(result).error.code).toBe('ROKU_REGISTRY_BAD_KEY');
  });
});
