import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { writeRawPlugin } from '../support/raw-plugin.js';
import type { Home } from './helpers.js';
import { DEV_PLUGINS, agentConfig, freshHome } from './helpers.js';

const SPINNER = '@test/spinner';

/** A home whose dev plugins are the scripted provider and a tool that spins until its CPU limit stops it. */
async function spinnerHome(): Promise<{ h: Home; dir: string }> {
  const dir = writeRawPlugin(tempDir('spinner'), 'spinner', {
    body: 'for (;;) {}',
    limits: { cpuMsPerCall: 100 },
  });
  const h = await freshHome(false);
  writeFileSync(
    join(h.home, 'config.json'),
    JSON.stringify(agentConfig({ devDirs: [DEV_PLUGINS.scripted, dir] })),
  );
  return { h, dir };
}

/** Three separate `roku run` processes, each calling the spinning tool once. */
function failThreeTimes(h: Home): void {
  for (let i = 0; i < 3; i += 1) {
    const r = h.roku(['run', 't', '{}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ROKU_SANDBOX_TIMEOUT');
  }
}

describe('quarantine across processes', () => {
  it('quarantines a plugin that fails in every separate run, and shows it with its reason and fix', async () => {
    const { h } = await spinnerHome();
    failThreeTimes(h);
    const list = h.roku(['plugin', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^@test\/spinner@0\.0\.1 +QUARANTINED {2}dev \S+\/spinner$/m);
    expect(list.stdout).toMatch(/^ {2}reason: ROKU_SANDBOX_TIMEOUT: /m);
    expect(list.stdout).toContain(
      `fix:    after fixing it, lift the quarantine with roku plugin enable ${SPINNER}`,
    );
    const json = JSON.parse(h.roku(['plugin', 'list', '--json']).stdout) as {
      quarantined: { id: string; reason: string }[];
    };
    expect(json.quarantined).toEqual([expect.objectContaining({ id: SPINNER })]);

    // The next run says so before it starts, and the tool is gone.
    const next = h.roku(['run', 't', '{}']);
    expect(next.stderr).toContain(`warning: ${SPINNER} is quarantined (ROKU_SANDBOX_TIMEOUT: `);
    expect(next.stderr).toContain(`lift it with roku plugin enable ${SPINNER}`);
    expect(next.stdout).not.toContain('ROKU_SANDBOX_TIMEOUT');

    const doctor = h.roku(['doctor']);
    expect(doctor.stdout).toMatch(/@test\/spinner@0\.0\.1 is quarantined: .*ROKU_SANDBOX_TIMEOUT/);

    const enabled = h.roku(['plugin', 'enable', SPINNER]);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toBe(`lifted the quarantine of ${SPINNER}\n`);
    expect(h.roku(['plugin', 'list']).stdout).toMatch(/^@test\/spinner@0\.0\.1 +dev +\S+\/spinner$/m);
    expect(h.roku(['run', 't', '{}']).stdout).toContain('ROKU_SANDBOX_TIMEOUT');
  });

  it('lifts the quarantine of a dev plugin whose code was rebuilt', async () => {
    const { h, dir } = await spinnerHome();
    failThreeTimes(h);
    expect(h.roku(['plugin', 'list']).stdout).toContain('QUARANTINED');
    appendFileSync(join(dir, 'plugin.js'), '\n// rebuilt\n');
    const r = h.roku(['run', 't', '{}']);
    expect(r.stderr).not.toContain('is quarantined');
    expect(r.stdout).toContain('ROKU_SANDBOX_TIMEOUT');
    expect(h.roku(['plugin', 'list']).stdout).not.toContain('QUARANTINED');
  });

  it('refuses to enable a plugin that is neither installed nor quarantined', async () => {
    const { h } = await spinnerHome();
    const r = h.roku(['plugin', 'enable', SPINNER]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[ROKU_INSTALL_NOT_INSTALLED]');
  });
});
