/**
 * V8 code caches persist under ROKU_HOME/cache/code across host restarts, keyed by the entry's content hash
 * and verified when read; a corrupt cache file costs one ordinary compile and is replaced, never breaks a load.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createRootLogger } from '../../src/index.js';
import { createPluginHost } from '../../src/plugins/plugin-host.js';
import type { PluginHost } from '../../src/plugins/plugin-host.js';
import { writePlugin } from '../security/helpers.js';

let hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
});

describe('code caches of plugin bundles', () => {
  it('are stored under the home, survive a restart, and a corrupt one is replaced without breaking the load', async () => {
    const root = tempDir('code-cache');
    const home = join(root, 'home');
    mkdirSync(join(root, 'plugins'), { recursive: true });
    const folder = writePlugin(join(root, 'plugins'), 'cached', {
      body: `return 'ok';`,
      top: `const padding = [${Array.from({ length: 2000 }, (_, i) => `function f${i}() { return ${i}; }`).join(',')}];`,
    });
    const open = (): PluginHost => {
      const host = createPluginHost({
        logger: createRootLogger({ level: 'silent' }),
        home,
        workspace: root,
        env: {},
      });
      hosts.push(host);
      return host;
    };
    await expect((await open().loadFolder(folder)).call('tool:t', {})).resolves.toBe('ok');
    const dir = join(home, 'cache', 'code');
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(file).toMatch(/^[0-9a-f]{64}-v8-.+\.bin$/);
    const stored = readFileSync(join(dir, file ?? ''));
    expect(stored.length).toBeGreaterThan(0);

    writeFileSync(join(dir, file ?? ''), 'not a V8 code cache');
    await expect((await open().loadFolder(folder)).call('tool:t', {})).resolves.toBe('ok');
    expect(readFileSync(join(dir, file ?? '')).toString()).not.toBe('not a V8 code cache');

    // A good stored cache is used as it is: V8 accepts it, so nothing new is produced or written.
    const written = statSync(join(dir, file ?? '')).mtimeMs;
    await expect((await open().loadFolder(folder)).call('tool:t', {})).resolves.toBe('ok');
    expect(statSync(join(dir, file ?? '')).mtimeMs).toBe(written);

    // One damaged byte inside a well-formed file (V8 would take it: release builds skip its checksum) is caught
    // by the file's own hash: the load compiles afresh and the file is replaced.
    const damaged = Buffer.from(readFileSync(join(dir, file ?? '')));
    const at = Math.floor(damaged.length / 2);
    damaged[at] = (damaged[at] ?? 0) ^ 0xff;
    writeFileSync(join(dir, file ?? ''), damaged);
    await expect((await open().loadFolder(folder)).call('tool:t', {})).resolves.toBe('ok');
    expect(readFileSync(join(dir, file ?? '')).equals(damaged)).toBe(false);
  });
});
