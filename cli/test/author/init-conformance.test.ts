/**
 * What `roku plugin init --kind <k>` writes passes `roku plugin test` (the kind's conformance suite in the real
 * sandbox) as generated, and a generated plugin broken the way the suite guards against fails it with the fix.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INIT_KINDS } from '../../src/commands/author/init-kinds.js';
import { parse, repo, run, tempDir } from './helpers.js';

interface TestReport {
  ok: boolean;
  conformance: {
    kinds: string[];
    results: { kind: string; name: string; status: string; message?: string; fix?: string }[];
  };
}

let parent = '';
let home = '';

beforeAll(async () => {
  // One workspace for every kind, with the SDK and the test kit linked in as `npm install` would put them.
  parent = tempDir('init-conformance');
  home = tempDir('home');
  mkdirSync(join(parent, 'node_modules/@roku'), { recursive: true });
  for (const pkg of ['plugin-api', 'plugin-testing']) {
    symlinkSync(join(repo, pkg), join(parent, 'node_modules/@roku', pkg), 'dir');
  }
  const broken: Record<string, string> = { 'broken-memory': 'memory', 'throws-at-load': 'tool' };
  for (const kind of [...INIT_KINDS, ...Object.keys(broken)]) {
    const args = ['plugin', 'init', kind, '--kind', broken[kind] ?? kind];
    expect((await run(args, { home, cwd: parent })).code).toBe(0);
  }
});

describe('roku plugin test on what roku plugin init writes', () => {
  it.each([...INIT_KINDS])(
    'a generated %s plugin passes its conformance suite',
    async (kind) => {
      const result = await run(['plugin', 'test', join(parent, kind), '--no-own-tests', '--json'], { home });
      const report = parse<TestReport>(result);
      const failed = report.conformance.results.filter((r) => r.status === 'fail');
      expect(failed).toEqual([]);
      expect(report.conformance.kinds).toEqual([kind === 'bridge' ? 'tool' : kind]);
      expect(report.conformance.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(0);
      expect(result.code).toBe(0);
    },
    60_000,
  );

  it('fails a generated memory slot that ignores deletes, naming the check and the fix', async () => {
    const dir = join(parent, 'broken-memory');
    const source = join(dir, 'src/index.ts');
    const text = readFileSync(source, 'utf8');
    const forget = /async forget\(\{ ids, \.\.\.scope \}, ctx\) \{[\s\S]*?\n {2}\},/;
    expect(text).toMatch(forget);
    writeFileSync(source, text.replace(forget, 'async forget() {},'));

    const result = await run(['plugin', 'test', dir, '--no-own-tests'], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL [memory] honours deletes');
    expect(result.stdout).toContain('yet recall still returns');
    expect(result.stdout).toContain('fix: delete the records memory:forget names (by id) before answering');
    expect(result.stdout).toContain('ok   [memory] recalls what it stored');
    expect(result.stdout).toContain('plugin test: FAIL');
  }, 60_000);

  it('fails a generated plugin that throws at load, saying the top-level code threw', async () => {
    const dir = join(parent, 'throws-at-load');
    const source = join(dir, 'src/index.ts');
    writeFileSync(source, `${readFileSync(source, 'utf8')}\nthrow new Error('settings file missing');\n`);

    const result = await run(['plugin', 'test', dir, '--no-own-tests'], { home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL [tool] loads in the sandbox');
    expect(result.stdout).toContain('the bundle failed while loading: settings file missing');
    expect(result.stdout).toContain(
      'fix: code that runs when the bundle loads threw (the top level of src/index.ts',
    );
  }, 60_000);
});
