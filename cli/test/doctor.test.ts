import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { DEV_PLUGINS, agentConfig, bin, lines } from './agent/helpers.js';
import { writeRawPlugin } from './support/raw-plugin.js';

const SCRIPTED = '@roku/plugin-provider-scripted';

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

function roku(args: string[], home: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: tempDir('doctor-cwd'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function homeWith(config: Record<string, unknown>): string {
  const home = tempDir('doctor');
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

function doctor(home: string): { code: number | null; checks: Check[]; text: string } {
  const json = roku(['doctor', '--json'], home);
  const text = roku(['doctor'], home);
  expect(text.code).toBe(json.code);
  return {
    code: json.code,
    checks: (JSON.parse(json.stdout) as { checks: Check[] }).checks,
    text: text.stdout,
  };
}

describe('roku doctor and plugins', () => {
  it('names the plugin, the settings path and the problem of bad plugin settings, and notes unused ones', () => {
    const home = homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs],
        settings: { [SCRIPTED]: { script: 'bad', chunkChars: 0 }, '@nobody/missing': { a: 1 } },
      }),
    );
    const { code, checks, text } = doctor(home);
    expect(code).toBe(1);
    const settings = checks.find((c) => c.name === 'plugin settings');
    expect(settings?.ok).toBe(false);
    expect(settings?.detail.split('\n')).toEqual([
      `plugins.settings["${SCRIPTED}"]/script: must be array`,
      `plugins.settings["${SCRIPTED}"]/chunkChars: must be >= 1`,
      'note: plugins.settings["@nobody/missing"]: no such plugin is installed and enabled, in plugins.devDirs or bundled; these settings are unused',
    ]);
    expect(settings?.fix).toContain(join(home, 'config.json'));
    // The load check does not repeat it, and says why no provider is loaded.
    const plugins = checks.find((c) => c.name === 'plugins');
    expect(plugins?.ok).toBe(true);
    expect(plugins?.detail).toContain(`left out for their settings (see above): ${SCRIPTED}`);
    expect(text).toMatch(
      /^FAIL {2}plugin settings {2}plugins\.settings\["@roku\/plugin-provider-scripted"\]\/script: must be array$/m,
    );
    expect(text).toContain('roku doctor: some checks failed');
  });

  it('reports a quarantined plugin with its reason and how to lift it', () => {
    const spinner = writeRawPlugin(tempDir('spinner'), 'spinner', {
      body: 'for (;;) {}',
      limits: { cpuMsPerCall: 100 },
    });
    const home = homeWith(
      agentConfig({
        devDirs: [DEV_PLUGINS.scripted, spinner],
        // One run calls the spinning tool three times: three CPU timeouts quarantine it.
        script: [
          { match: '^spin', toolCalls: [{ name: 't', arguments: {} }] },
          { match: '^spin', toolCalls: [{ name: 't', arguments: {} }] },
          { match: '^spin', toolCalls: [{ name: 't', arguments: {} }] },
          { match: '^spin', text: 'gave up' },
        ],
      }),
    );
    const run = roku(['run', 'spin'], home);
    expect(run.code, run.stderr).toBe(0);
    const { code, checks } = doctor(home);
    expect(code).toBe(1);
    const plugins = checks.find((c) => c.name === 'plugins');
    expect(plugins?.ok).toBe(false);
    expect(plugins?.detail).toMatch(
      /^@test\/spinner@0\.0\.1 is quarantined: .*ROKU_SANDBOX_TIMEOUT.*; after fixing it, lift the quarantine with roku plugin enable @test\/spinner$/m,
    );
  });

  it('passes in a fresh home, where no plugin is installed yet, and says how to get a provider', () => {
    const home = join(tempDir('doctor'), 'home');
    const r = roku(['doctor'], home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}plugin settings {2}settings of 2 plugins match their configSchema$/m);
    expect(r.stdout).toMatch(
      /^ok {4}plugins {10}2 plugins loaded: no LLM provider yet \(roku plugin install @roku\/plugin-provider-scripted/m,
    );
  });
});

describe('roku without a command', () => {
  it('runs the bootstrap request on the deterministic path and exits 0 with no credentials, then points to --help', () => {
    const home = join(tempDir('smoke'), 'home');
    const r = roku([], home);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toBe('roku 0.1.0: self-check (no credentials or network needed)');
    expect(out[1]).toMatch(/^ok {4}config {13}defaults \(no config file\)$/);
    expect(out[2]).toBe(`ok    data dir           ${home}`);
    expect(out[3]).toMatch(
      /^ok {4}bootstrap request {2}"You said: bootstrap request" from scripted\/scripted-1 in \d+ ms/,
    );
    expect(out[4]).toContain('roku --help');
    // The user's home holds no session of the bootstrap request: it ran in a throwaway home.
    expect(lines(roku(['session', 'list'], home).stdout)).toEqual(['no sessions']);
  });

  it('exits 1 naming the part that failed', () => {
    const r = roku([], '/proc/roku-test-home');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL {2}data dir {11}ROKU_HOME \/proc\/roku-test-home: cannot create the folder/m,
    );
    expect(r.stdout).toMatch(/^ok {4}bootstrap request /m);
    expect(r.stdout).toContain('roku doctor explains each part');
  });
});
