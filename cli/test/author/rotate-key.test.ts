import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoPluginCopy, parse, run, tempDir } from './helpers.js';

interface Keygen {
  publicKey: string;
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

const ECHO = '@roku/example-tool-echo';

function setVersion(plugin: string, version: string): void {
  const file = join(plugin, 'roku.plugin.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...manifest, version }, null, 2));
}

describe('roku plugin rotate-key', () => {
  it('lets installs bound to the old key move to the new key only with the old key signed rotation', async () => {
    const home = tempDir('rotate-home');
    const root = tempDir('rotate-registry');
    const env = { ROKU_REGISTRY_DIR: root };
    const keygen = async (name: string) =>
      parse<Keygen>(await run(['plugin', 'keygen', '--out', tempDir(name), '--json'], { home }));
    const oldKey = await keygen('old-key');
    const newKey = await keygen('new-key');
    for (const key of [oldKey, newKey]) {
      expect((await run(['registry', 'trust', key.publicKey], { home })).code).toBe(0);
    }
    const plugin = echoPluginCopy();
    const publish = async (key: Keygen) =>
      run(['plugin', 'publish', plugin, '--registry', root, '--key', key.privateKeyFile], { home, env });

    expect((await publish(oldKey)).code).toBe(0);
    expect((await run(['plugin', 'install', `${ECHO}@0.1.0`, '--yes'], { home, env })).code).toBe(0);

    setVersion(plugin, '0.2.0');
    expect((await publish(newKey)).code).toBe(0);
    const refused = await run(['plugin', 'install', `${ECHO}@0.2.0`, '--yes'], { home, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[ROKU_INSTALL_KEY_CHANGED]');
    expect(refused.stderr).toContain(oldKey.keyId);
    expect(refused.stderr).toContain(newKey.keyId);

    const rotated = await run(
      ['plugin', 'rotate-key', plugin, '--from', oldKey.privateKeyFile, '--to', newKey.publicKey],
      { home },
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    setVersion(plugin, '0.3.0');
    expect((await publish(newKey)).code).toBe(0);
    const moved = await run(['plugin', 'install', `${ECHO}@0.3.0`, '--yes'], { home, env });
    expect(moved.code, moved.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(home, 'roku.lock'), 'utf8')) as {
      plugins: Record<string, { version: string; publisherKey: string }>;
    };
    expect(lock.plugins[ECHO]).toMatchObject({ version: '0.3.0', publisherKey: newKey.keyId });
  });
});
