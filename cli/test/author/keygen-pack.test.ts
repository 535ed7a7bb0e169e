import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keyId } from '@roku/registry';
import { describe, expect, it } from 'vitest';
import { echoPluginCopy, parse, run, tempDir } from './helpers.js';

interface Keygen {
  ok: boolean;
  publicKey: string;
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

interface Packed {
  ok: boolean;
  id: string;
  version: string;
  file: string;
  integrity: string;
  size: number;
}

describe('roku plugin keygen', () => {
  it('writes the private key with mode 0600 and prints the public key and its id', async () => {
    const out = join(tempDir('keys'), 'keys');
    const result = await run(['plugin', 'keygen', '--out', out, '--json'], { home: tempDir('home') });
    expect(result.code).toBe(0);
    const report = parse<Keygen>(result);
    expect(report.publicKey).toMatch(/^ed25519:/);
    expect(report.keyId).toBe(keyId(report.publicKey));
    expect(statSync(report.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(report.privateKeyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(readFileSync(report.publicKeyFile, 'utf8').trim()).toBe(report.publicKey);
  });

  it('refuses to overwrite an existing private key (a usage error: exit 2)', async () => {
    const home = tempDir('home');
    const out = tempDir('keys');
    expect((await run(['plugin', 'keygen', '--out', out], { home })).code).toBe(0);
    const again = await run(['plugin', 'keygen', '--out', out, '--json'], { home });
    expect(again.code).toBe(2);
    expect(parse<{ error: { code: string } }>(again).error.code).toBe('ROKU_CLI_USAGE');
  });
});

describe('roku plugin pack', () => {
  it('writes the same archive bytes and digest every time it packs the same folder', async () => {
    const dir = echoPluginCopy();
    const cwd = tempDir('out');
    const first = await run(['plugin', 'pack', dir, '--json'], { home: tempDir('home'), cwd });
    expect(first.code).toBe(0);
    const a = parse<Packed>(first);
    expect(a.file).toBe(join(cwd, 'roku-example-tool-echo-0.1.0.tgz'));
    expect(a.integrity).toMatch(/^sha512-/);
    expect(a.size).toBe(statSync(a.file).size);
    const bytes = readFileSync(a.file);

    const second = await run(['plugin', 'pack', dir, '--out', join(cwd, 'again.tgz'), '--json'], {
      home: tempDir('home'),
      cwd,
    });
    const b = parse<Packed>(second);
    expect(b.integrity).toBe(a.integrity);
    expect(readFileSync(b.file).equals(bytes)).toBe(true);
  });

  it('reports a folder without a manifest with the registry code', async () => {
    const result = await run(['plugin', 'pack', tempDir('empty'), '--json'], { home: tempDir('home') });
    expect(result.code).toBe(1);
    expect(parse<{ error: { code: string } }>(result).error.code).toBe('ROKU_REGISTRY_MANIFEST_MISSING');
  });
});
