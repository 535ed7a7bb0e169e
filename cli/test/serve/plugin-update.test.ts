import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTrustStore } from '@roku/host';
import { createFixtureRegistry } from '@roku/registry/testing';
import { createTokenStore, openServerDb } from '@roku/server';
import { tempDir } from '@roku/test-support';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const ID = '@acme/weather';
const OLD = 'connect to https://api.weather.example';
const NEW = 'connect to https://tiles.example';

/** `roku serve --port 0` (the built CLI) on `home`, installing from the fixture registry; killed after the test. */
async function serve(home: string, registryDir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    cwd: home,
    env: { ...process.env, ROKU_HOME: home, ROKU_REGISTRY_DIR: registryDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  onTestFinished(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1] as string);
    });
    void exited.then(() => {
      reject(new Error(`roku serve exited: ${err}`));
    });
  });
}

describe('roku serve: plugin update over HTTP follows the CLI’s consent rule', () => {
  it('refuses an update whose new permission is not granted in the request and changes nothing; granted, it updates', async () => {
    const home = tempDir('serve-update-home');
    const fixture = createFixtureRegistry(tempDir('serve-update-registry'));
    await createTrustStore(home).addTrustedKey(fixture.publisher.publicKey);
    await fixture.publish(ID, '1.0.0', { network: ['https://api.weather.example'] });
    const db = openServerDb(home);
    const token = createTokenStore(db).create('admin', ['admin']).token;
    db.close();
    const url = await serve(home, fixture.dir);
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const version = async (): Promise<string | undefined> => {
      const res = await fetch(`${url}/v1/plugins`, { headers: { authorization: `Bearer ${token}` } });
      const list = (await res.json()) as { plugins: { id: string; version: string }[] };
      return list.plugins.find((p) => p.id === ID)?.version;
    };
    const installed = await post('/v1/plugins/install', { specs: [ID], grant: { [ID]: [OLD] } });
    expect(installed.status, await installed.clone().text()).toBe(200);
    expect(await version()).toBe('1.0.0');

    await fixture.publish(ID, '1.1.0', { network: ['https://api.weather.example', 'https://tiles.example'] });
    const plan = (await (await post('/v1/plugins/update', { specs: [ID], dryRun: true })).json()) as {
      plan: { id: string; action: string; previousVersion: string; permissions: string[] }[];
    };
    // Only the escalation is asked for: what the installed version may do already is not.
    expect(plan.plan).toEqual([
      expect.objectContaining({ id: ID, action: 'update', previousVersion: '1.0.0', permissions: [NEW] }),
    ]);
    const kept = await post('/v1/plugins/update', { specs: [ID], grant: { [ID]: [OLD] } });
    expect(kept.status).toBe(403);
    const refusal = (await kept.json()) as { code: string; message: string };
    expect(refusal.code).toBe('ROKU_INSTALL_DENIED');
    expect(refusal.message).toContain(`${ID} asks for "${NEW}", not granted`);
    expect(await version()).toBe('1.0.0');

    const updated = await post('/v1/plugins/update', { specs: [ID], grant: { [ID]: [NEW] } });
    expect(updated.status, await updated.clone().text()).toBe(200);
    expect(await updated.json()).toMatchObject({ changed: true });
    expect(await version()).toBe('1.1.0');

    const audit = (await (
      await fetch(`${url}/v1/audit?limit=50`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { data: { action: string; outcome: string; details: { version?: string } }[] };
    expect(
      audit.data.filter((a) => a.action.startsWith('plugin.')).map((a) => `${a.action} ${a.outcome}`),
    ).toEqual([
      'plugin.grant ok',
      'plugin.install ok',
      'plugin.update denied',
      'plugin.grant ok',
      'plugin.update ok',
    ]);
  });
});
