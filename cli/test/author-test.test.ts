import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, repo, run, tempDir } from './author/helpers.js';

interface TestReport {
  ok: boolean;
  pluginId: string;
  build: { outFile: string } | null;
  conformance: {
    ok: boolean;
    kinds: string[];
    results: { kind: string; name: string; status: string; message?: string; fix?: string }[];
  };
  ownTests: { ran: boolean; ok: boolean; exitCode?: number; output?: string };
}

/**
 * A tool plugin on the raw ABI (no build step): `shout` returns its text upper-cased, or (broken) a number
 * where its outputSchema says string.
 */
function rawToolPlugin(options: { broken?: boolean; testScript?: string } = {}): string {
  const dir = join(tempDir('plugin-test'), 'shout');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    manifestVersion: 1,
    id: '@acme/shout',
    version: '1.0.0',
    description: 'Shouts.',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js' },
    contributes: {
      tools: [
        {
          name: 'shout',
          description: 'Upper-cases a text.',
          inputSchema: {
            type: 'object',
            properties: { text: { type: 'string', minLength: 1 } },
            required: ['text'],
          },
          outputSchema: {
            type: 'object',
            properties: { text: { type: 'string' } },
            required: ['text'],
          },
          risk: ['read'],
        },
      ],
    },
    permissions: {},
  };
  const result = options.broken === true ? '{ text: 42 }' : '{ text: String(input.text).toUpperCase() }';
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest));
  writeFileSync(
    join(dir, 'plugin.js'),
    `globalThis.__roku_abi = {
  describe: () => JSON.stringify({ abi: 1, tools: ['shout'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
  async call(json) {
    const input = JSON.parse(json).input;
    return JSON.stringify({ ok: true, value: ${result} });
  },
};
`,
  );
  if (options.testScript !== undefined) {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'shout', private: true, scripts: { test: options.testScript } }),
    );
  }
  return dir;
}

describe('roku plugin test', () => {
  it('builds a plugin from source, runs its kind suite and its own tests, and passes', async () => {
    const home = tempDir('home');
    const result = await run(['plugin', 'test', 'examples/tool-echo', '--json'], { home, cwd: repo });
    const report = parse<TestReport>(result);
    expect(result.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.build?.outFile).toBe(join(repo, 'examples/tool-echo/dist/plugin.js'));
    expect(report.conformance.kinds).toEqual(['tool']);
    expect(report.conformance.results.map((r) => [r.name, r.status])).toContainEqual([
      'tool word_count: outputs match its outputSchema',
      'pass',
    ]);
    expect(report.ownTests).toMatchObject({ ran: true, ok: true, exitCode: 0 });
  });

  it('prints each check and, for a broken plugin, what it did and what to fix; exit 1', async () => {
    const home = tempDir('home');
    const dir = rawToolPlugin({ broken: true });
    const result = await run(['plugin', 'test', dir], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL [tool] tool shout: outputs match its outputSchema');
    expect(result.stdout).toContain('/text must be string (outputSchema)');
    expect(result.stdout).toContain(
      'fix: return what contributes.tools[name=shout].outputSchema in roku.plugin.json declares',
    );
    expect(result.stdout).toContain('ok   [tool] fails cleanly beyond its grants');
    expect(result.stdout).toMatch(/plugin test: FAIL\n$/);
  });

  it("fails when the plugin's own test script fails, though the suite passes", async () => {
    const home = tempDir('home');
    const dir = rawToolPlugin({ testScript: 'node -e "console.log(\'own test broke\'); process.exit(3)"' });
    const result = await run(['plugin', 'test', dir, '--json'], { home });
    const report = parse<TestReport>(result);
    expect(result.code).toBe(1);
    expect(report.conformance.ok).toBe(true);
    expect(report.build).toBeNull();
    expect(report.ownTests).toMatchObject({ ran: true, ok: false, exitCode: 3 });
    expect(report.ownTests.output).toContain('own test broke');
  });

  it('reports a plugin that throws at load as its failing suite, and the process exits', () => {
    const home = tempDir('home');
    const dir = rawToolPlugin();
    writeFileSync(join(dir, 'plugin.js'), "throw new Error('boom at load');\n");
    // A real process: a server or runner left open by the failed suite would keep it from exiting.
    const result = spawnSync(process.execPath, [join(repo, 'cli/dist/bin.js'), 'plugin', 'test', dir], {
      env: { ...process.env, ROKU_HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL [tool] loads in the sandbox');
    expect(result.stdout).toContain('the bundle failed while loading: boom at load');
  });

  it('refuses a kind without a suite and a folder without a manifest', async () => {
    const home = tempDir('home');
    const dir = rawToolPlugin();
    const kind = await run(['plugin', 'test', dir, '--kind', 'bridge'], { home });
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--kind bridge: not a plugin kind with a suite');
    const missing = await run(['plugin', 'test', tempDir('empty'), '--json'], { home });
    expect(missing.code).toBe(1);
    expect(parse<{ error: { code: string } }>(missing).error.code).toBe('ROKU_CLI_NOT_FOUND');
  });
});
