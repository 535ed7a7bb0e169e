/**
 * The plugin guides cannot rot: each kind's guide shows exactly what `roku plugin init --kind` writes (the test
 * compares them), and that code is generated, built and its own tests run here against the workspace SDK;
 * every permission example of plugin-permissions.md is validated as part of a manifest.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { createManifestValidator } from '@roku/schemas';
import { describe, expect, it } from 'vitest';
import { INIT_KINDS, KIND_TEMPLATES } from '../../src/commands/author/init-kinds.js';
import { repo, run, tempDir } from './helpers.js';

const guides = join(repo, 'docs/guides');
const PRETTIER = JSON.parse(readFileSync(join(repo, '.prettierrc.json'), 'utf8')) as Record<string, unknown>;

/** The fenced block right after `<!-- marker -->`. */
function blockAfter(text: string, marker: string): string {
  const at = text.indexOf(`<!-- ${marker} -->`);
  expect(at, `marker <!-- ${marker} -->`).toBeGreaterThanOrEqual(0);
  const match = /```\w*\n([\s\S]*?)\n```/.exec(text.slice(at));
  expect(match?.[1], `a code block after ${marker}`).toBeDefined();
  return `${match?.[1] ?? ''}\n`;
}

function allBlocksAfter(text: string, marker: string): string[] {
  return text
    .split(`<!-- ${marker} -->`)
    .slice(1)
    .map((part) => /```\w*\n([\s\S]*?)\n```/.exec(part)?.[1] ?? '');
}

describe.each([...INIT_KINDS])('docs/guides/plugin-kind-%s.md', (kind) => {
  const text = readFileSync(join(guides, `plugin-kind-${kind}.md`), 'utf8');
  const template = KIND_TEMPLATES[kind];

  it('shows the manifest, code and test that roku plugin init writes', async () => {
    const manifest = JSON.parse(
      blockAfter(text, `roku plugin init --kind ${kind}: roku.plugin.json`),
    ) as unknown;
    expect(manifest).toEqual({
      contributes: template.contributes,
      permissions: template.permissions,
      limits: template.limits,
      ...(template.configSchema === undefined ? {} : { configSchema: template.configSchema }),
    });
    for (const [file, code] of [
      ['src/index.ts', template.source],
      ['test/plugin.test.ts', template.test],
    ] as const) {
      const shown = blockAfter(text, `roku plugin init --kind ${kind}: ${file}`);
      expect(shown, `${kind} ${file}`).toBe(await format(code, { ...PRETTIER, parser: 'typescript' }));
    }
  });

  it('has code that builds and passes its own tests in the real sandbox', async () => {
    const parent = tempDir('guide');
    mkdirSync(join(parent, 'node_modules/@roku'), { recursive: true });
    for (const pkg of ['plugin-api', 'plugin-testing']) {
      symlinkSync(join(repo, pkg), join(parent, 'node_modules/@roku', pkg), 'dir');
    }
    const home = tempDir('home');
    expect((await run(['plugin', 'init', kind, '--kind', kind], { home, cwd: parent })).code).toBe(0);
    const dir = join(parent, kind);
    const build = await run(['plugin', 'build', dir], { home });
    expect(build.stderr).toBe('');
    const test = spawnSync(process.execPath, ['--test', 'test/plugin.test.ts'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(test.stdout + test.stderr).toMatch(/ℹ fail 0/);
    expect(test.status).toBe(0);
  }, 90_000);
});

describe('docs/guides/plugin-permissions.md', () => {
  it('has one valid example per grant, each accepted in a manifest', () => {
    const text = readFileSync(join(guides, 'plugin-permissions.md'), 'utf8');
    const examples = allBlocksAfter(text, 'permission example');
    expect(examples.length).toBeGreaterThanOrEqual(11);
    const validator = createManifestValidator();
    for (const example of examples) {
      const part = JSON.parse(example) as Record<string, unknown>;
      const manifest = {
        manifestVersion: 1,
        id: '@acme/example',
        version: '1.0.0',
        description: 'An example.',
        license: 'MIT',
        engines: { roku: '^0.1.0' },
        runtime: { type: 'isolate', entry: 'dist/plugin.js' },
        contributes: {
          tools: [{ name: 't', description: 'A tool.', inputSchema: { type: 'object' }, risk: ['read'] }],
        },
        ...part,
      };
      const result = validator.validate(manifest);
      expect(result.ok ? [] : result.issues, example).toEqual([]);
    }
  });
});
