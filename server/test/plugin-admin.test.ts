import { describe, expect, it } from 'vitest';
import { call, serve, setup } from './child-server.js';
import { DEV_PLUGINS } from './support.js';

const FS = '@roku/plugin-toolset-fs';
const LINE = 'read and write the workspace folder';

describe('plugin admin over HTTP (the CLI’s consent rules)', () => {
  it('installs only with the permissions named in the request, then disables, enables, reloads and uninstalls', async () => {
    const { home, workspace, token } = setup({}, ['admin', 'chat']);
    // Only the scripted provider as a dev plugin: the file tools come from the registry.
    const { writeFileSync, readFileSync } = await import('node:fs');
    const file = `${home}/config.json`;
    const config = JSON.parse(readFileSync(file, 'utf8')) as { plugins: { devDirs: string[] } };
    config.plugins.devDirs = [DEV_PLUGINS[0] as string];
    writeFileSync(file, JSON.stringify(config));
    const server = await serve(home, workspace);
    const post = (path: string, body: unknown): Promise<Response> => call(server.url, token, path, body);

    const plan = (await (await post('/v1/plugins/install', { specs: [FS], dryRun: true })).json()) as {
      plan: { id: string; action: string; permissions: string[] }[];
    };
    expect(plan.plan).toEqual([expect.objectContaining({ id: FS, action: 'install', permissions: [LINE] })]);

    const unnamed = await post('/v1/plugins/install', { specs: [FS] });
    expect(unnamed.status).toBe(403);
    const refusal = (await unnamed.json()) as { code: string; message: string };
    expect(refusal.code).toBe('ROKU_INSTALL_DENIED');
    expect(refusal.message).toContain(`${FS} is not named in grant`);
    const partial = await post('/v1/plugins/install', { specs: [FS], grant: { [FS]: [] } });
    expect(partial.status).toBe(403);
    expect(((await partial.json()) as { message: string }).message).toContain(`"${LINE}", not granted`);
    const listed = (await (await call(server.url, token, '/v1/plugins')).json()) as {
      plugins: { id: string }[];
    };
    expect(listed.plugins).toEqual([]);

    const granted = await post('/v1/plugins/install', { specs: [FS], grant: { [FS]: [LINE] } });
    expect(granted.status, await granted.clone().text()).toBe(200);
    expect(await granted.json()).toMatchObject({ changed: true, reload: { ok: true } });
    const after = (await (await call(server.url, token, '/v1/plugins')).json()) as {
      plugins: { id: string; enabled: boolean }[];
      snapshot: { id: string; limits?: unknown }[];
    };
    expect(after.plugins).toEqual([expect.objectContaining({ id: FS, enabled: true })]);
    expect(after.snapshot.map((p) => p.id)).toContain(FS);
    // the limits it runs under (its manifest's: 128 MB, 4 calls at once; the 30 s of CPU per call it asks
    // capped by the host's sandbox.maxCpuMsPerCall) and the calls the host admits at once
    expect(after.snapshot.find((p) => p.id === FS)?.limits).toEqual({
      memoryMb: 128,
      cpuMsPerCall: 10000,
      wallMsPerCall: 120000,
      cpuMsPerMinute: 30000,
      concurrency: 4,
      callsAtOnce: 4,
    });

    expect((await post('/v1/plugins/disable', { ids: [FS] })).status).toBe(200);
    expect(
      ((await (await call(server.url, token, '/v1/plugins')).json()) as { plugins: { enabled: boolean }[] })
        .plugins[0]?.enabled,
    ).toBe(false);
    expect((await post('/v1/plugins/enable', { ids: [FS] })).status).toBe(200);
    expect(((await (await post('/v1/plugins/reload', {})).json()) as { ok: boolean }).ok).toBe(true);
    const info = (await (
      await call(server.url, token, `/v1/plugins/info?spec=${encodeURIComponent(FS)}`)
    ).json()) as { id: string };
    expect(info.id).toBe(FS);
    const search = (await (await call(server.url, token, '/v1/plugins/search?q=workspace')).json()) as {
      results: { id: string }[];
    };
    expect(search.results.map((r) => r.id)).toContain(FS);
    expect((await post('/v1/plugins/uninstall', { ids: [FS] })).status).toBe(200);

    const audit = (await (await call(server.url, token, '/v1/audit?limit=50')).json()) as {
      data: { action: string; outcome: string; target: string }[];
    };
    const actions = audit.data
      .filter((a) => a.action.startsWith('plugin.'))
      .map((a) => `${a.action} ${a.outcome}`);
    expect(actions).toEqual([
      'plugin.install denied',
      'plugin.install denied',
      'plugin.grant ok',
      'plugin.install ok',
      'plugin.disable ok',
      'plugin.enable ok',
      'plugin.reload ok',
      'plugin.uninstall ok',
    ]);
    expect(await server.stop()).toBe(0);
  });

  it('needs the admin scope', async () => {
    const { home, workspace, token } = setup({}, ['chat']);
    const server = await serve(home, workspace);
    const res = await call(server.url, token, '/v1/plugins/install', {
      specs: [FS],
      grant: { [FS]: [LINE] },
    });
    expect(res.status).toBe(403);
    expect(await server.stop()).toBe(0);
  });
});
