import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalRegistry, createRegistryServer } from '@roku/registry';
import type { RegistryServer } from '@roku/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPluginCopy, parse, run, tempDir } from './helpers.js';

interface Keygen {
  publicKey: string;
  keyId: string;
  privateKeyFile: string;
}

interface Published {
  ok: boolean;
  id: string;
  version: string;
  keyId: string;
  error?: { code: string; message: string };
}

const home = tempDir('home');
let key: Keygen;
let plugin: string;

beforeAll(async () => {
  key = parse<Keygen>(await run(['plugin', 'keygen', '--out', tempDir('keys'), '--json'], { home }));
  plugin = echoPluginCopy();
});

describe('roku plugin publish to a directory registry', () => {
  it('publishes a signed version once and refuses the same version again', async () => {
    const root = join(tempDir('registry'), 'data');
    const args = [
      'plugin',
      'publish',
      plugin,
      '--registry',
      pathToFileURL(root).href,
      '--key',
      key.privateKeyFile,
    ];
    const first = await run([...args, '--json'], { home });
    expect(first.code).toBe(0);
    expect(parse<Published>(first)).toMatchObject({
      ok: true,
      id: '@roku/example-tool-echo',
      keyId: key.keyId,
    });

    const doc = await createLocalRegistry(root).getDocument('@roku/example-tool-echo');
    expect(doc?.versions['0.1.0']?.signatures).toEqual([expect.objectContaining({ keyId: key.keyId })]);

    const second = await run(
      ['plugin', 'publish', plugin, '--registry', root, '--key', key.privateKeyFile, '--json'],
      {
        home,
      },
    );
    expect(second.code).toBe(1);
    expect(parse<Published>(second).error?.code).toBe('ROKU_REGISTRY_VERSION_EXISTS');

    const text = await run(args, { home });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('[ROKU_REGISTRY_VERSION_EXISTS]');
  });
});

describe('roku plugin publish to an HTTP registry', () => {
  let server: RegistryServer;
  let url: string;
  const root = tempDir('http-registry');

  beforeAll(async () => {
    server = createRegistryServer({ root, tokens: ['s3cret'] });
    url = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a wrong token with the server code and accepts the right one', async () => {
    const args = ['plugin', 'publish', plugin, '--registry', url, '--key', key.privateKeyFile, '--json'];
    const wrong = await run(args, { home, env: { ROKU_REGISTRY_TOKEN: 'nope' } });
    expect(wrong.code).toBe(1);
    expect(parse<Published>(wrong).error?.code).toBe('ROKU_REGISTRY_FORBIDDEN');

    const right = await run([...args, '--token-env', 'MY_TOKEN'], { home, env: { MY_TOKEN: 's3cret' } });
    expect(right.code).toBe(0);
    expect(parse<Published>(right)).toMatchObject({ ok: true, version: '0.1.0', keyId: key.keyId });
    const doc = await createLocalRegistry(root).getDocument('@roku/example-tool-echo');
    expect(Object.keys(doc?.versions ?? {})).toEqual(['0.1.0']);

    const again = await run([...args, '--token-env', 'MY_TOKEN'], { home, env: { MY_TOKEN: 's3cret' } });
    expect(parse<Published>(again).error?.code).toBe('ROKU_REGISTRY_VERSION_EXISTS');
  });

  it('refuses to publish over HTTP without a token', async () => {
    const result = await run(['plugin', 'publish', plugin, '--registry', url, '--key', key.privateKeyFile], {
      home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ROKU_REGISTRY_TOKEN');
  });
});
