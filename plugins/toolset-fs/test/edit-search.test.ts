import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import { tempDir } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;
let workspace: string;

beforeAll(async () => {
  host = await createTestHost();
  workspace = host.workspace;
  plugin = await host.load(dir);
  mkdirSync(join(workspace, 'src/lib'), { recursive: true });
  mkdirSync(join(workspace, 'node_modules/dep'), { recursive: true });
  mkdirSync(join(workspace, '.git'), { recursive: true });
  writeFileSync(join(workspace, 'src/index.ts'), 'export const answer = 41;\nexport const name = "x";\n');
  writeFileSync(
    join(workspace, 'src/lib/util.ts'),
    'export function twice(n: number) {\n  return n * 2;\n}\n',
  );
  writeFileSync(join(workspace, 'src/lib/dup.ts'), 'a();\nb();\na();\n');
  writeFileSync(join(workspace, 'node_modules/dep/index.js'), 'export const answer = 0;\n');
  writeFileSync(join(workspace, '.git/config'), 'answer = 1\n');
  writeFileSync(join(workspace, 'logo.png'), Buffer.from([0x89, 0x50, 0, 0, 0x61, 0x6e, 0x73, 0x77]));
  writeFileSync(join(workspace, 'lines.txt'), 'one\ntwo\nthree\nfour\nfive\n');
});
afterAll(() => host.close());

const failed = (pluginCode: string, text?: string) => ({
  code: 'ROKU_PLUGIN_FAILED',
  details: { pluginCode },
  ...(text === undefined ? {} : { message: expect.stringContaining(text) as unknown }),
});

describe('edit_file', () => {
  it('replaces a unique string, writes the file and returns a unified diff', async () => {
    const result = (await plugin.callTool('edit_file', {
      path: 'src/index.ts',
      oldString: 'answer = 41',
      newString: 'answer = 42',
    })) as { replacements: number; diff: string; bytes: number };
    expect(readFileSync(join(workspace, 'src/index.ts'), 'utf8')).toBe(
      'export const answer = 42;\nexport const name = "x";\n',
    );
    expect(result.replacements).toBe(1);
    expect(result.diff).toContain('--- a/src/index.ts');
    expect(result.diff).toContain('+++ b/src/index.ts');
    expect(result.diff).toContain('-export const answer = 41;\n+export const answer = 42;');
  });

  it('refuses a missing string and an ambiguous one, naming the lines, and writes nothing', async () => {
    await expect(
      plugin.callTool('edit_file', { path: 'src/lib/dup.ts', oldString: 'c();', newString: 'd();' }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_EDIT_NOT_FOUND', 'does not occur'));
    await expect(
      plugin.callTool('edit_file', { path: 'src/lib/dup.ts', oldString: 'a();', newString: 'z();' }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_EDIT_AMBIGUOUS', 'occurs 2 times (lines 1, 3)'));
    expect(readFileSync(join(workspace, 'src/lib/dup.ts'), 'utf8')).toBe('a();\nb();\na();\n');
    const all = (await plugin.callTool('edit_file', {
      path: 'src/lib/dup.ts',
      oldString: 'a();',
      newString: '$&z();',
      replaceAll: true,
    })) as { replacements: number };
    expect(all.replacements).toBe(2);
    expect(readFileSync(join(workspace, 'src/lib/dup.ts'), 'utf8')).toBe('$&z();\nb();\n$&z();\n');
  });

  it('refuses binary files, identical replacements and links out of the workspace', async () => {
    await expect(
      plugin.callTool('edit_file', { path: 'logo.png', oldString: 'P', newString: 'Q' }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_BINARY_FILE'));
    await expect(
      plugin.callTool('edit_file', { path: 'lines.txt', oldString: 'one', newString: 'one' }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_EDIT_NO_CHANGE'));
    const outside = tempDir('edit-outside');
    writeFileSync(join(outside, 'target.txt'), 'keep me');
    symlinkSync(join(outside, 'target.txt'), join(workspace, 'link.txt'));
    await expect(
      plugin.callTool('edit_file', { path: 'link.txt', oldString: 'keep', newString: 'lose' }),
    ).rejects.toMatchObject(failed('ROKU_CAPABILITY_DENIED'));
    expect(readFileSync(join(outside, 'target.txt'), 'utf8')).toBe('keep me');
  });
});

describe('read_file ranges', () => {
  it('returns a range of lines with the file line count', async () => {
    expect(await plugin.callTool('read_file', { path: 'lines.txt', startLine: 2, endLine: 3 })).toEqual({
      path: 'lines.txt',
      content: 'two\nthree\n',
      bytes: 24,
      truncated: true,
      startLine: 2,
      endLine: 3,
      totalLines: 5,
    });
  });

  it('returns bytes from an offset, and refuses ranges past the end', async () => {
    expect(await plugin.callTool('read_file', { path: 'lines.txt', offset: 19, maxBytes: 4 })).toMatchObject({
      content: 'five\n[truncated: 4 of 24 bytes shown]',
      offset: 19,
    });
    await expect(plugin.callTool('read_file', { path: 'lines.txt', startLine: 9 })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_BAD_RANGE', 'past the end of the file (5 lines)'),
    );
    await expect(
      plugin.callTool('read_file', { path: 'lines.txt', offset: 2, startLine: 1 }),
    ).rejects.toMatchObject(failed('ROKU_WORKSPACE_BAD_RANGE', 'not both'));
  });
});

describe('glob', () => {
  it('matches paths, skipping .git and node_modules unless asked', async () => {
    const found = (await plugin.callTool('glob', { pattern: '**/*.ts' })) as { matches: string[] };
    expect(found.matches).toEqual(['src/index.ts', 'src/lib/dup.ts', 'src/lib/util.ts']);
    const named = (await plugin.callTool('glob', { pattern: 'index.*', includeIgnored: true })) as {
      matches: string[];
    };
    expect(named.matches).toEqual(['node_modules/dep/index.js', 'src/index.ts']);
  });
});

describe('grep', () => {
  it('finds matching lines with paths and line numbers, skipping ignored folders and binary files', async () => {
    const result = (await plugin.callTool('grep', { pattern: 'answer|twice' })) as {
      matches: unknown[];
      skipped: { binary: number };
    };
    expect(result.matches).toEqual([
      { path: 'src/index.ts', line: 1, text: 'export const answer = 42;' },
      { path: 'src/lib/util.ts', line: 1, text: 'export function twice(n: number) {' },
    ]);
    expect(result.skipped.binary).toBe(1);
    const narrowed = (await plugin.callTool('grep', {
      pattern: 'N \\*',
      ignoreCase: true,
      glob: '*.ts',
    })) as {
      matches: { path: string }[];
    };
    expect(narrowed.matches.map((m) => m.path)).toEqual(['src/lib/util.ts']);
  });

  it('runs a catastrophically backtracking pattern in linear time and refuses backreferences', async () => {
    // A backtracking engine would take about 2^50000 steps on this line; RE2 answers after one pass.
    writeFileSync(join(workspace, 'evil.txt'), `${'a'.repeat(50_000)}!\n${'a'.repeat(10)}\n`);
    const result = (await plugin.callTool('grep', { pattern: '^(a+)+$', path: 'evil.txt' })) as {
      matches: unknown[];
    };
    expect(result.matches).toEqual([{ path: 'evil.txt', line: 2, text: 'aaaaaaaaaa' }]);
    await expect(plugin.callTool('grep', { pattern: '(a)\\1' })).rejects.toMatchObject(
      failed('ROKU_WORKSPACE_BAD_PATTERN', 'backreferences'),
    );
  });

  it('stops at maxMatches and says so', async () => {
    writeFileSync(join(workspace, 'many.txt'), 'hit\n'.repeat(50));
    const result = (await plugin.callTool('grep', { pattern: '^hit$', maxMatches: 5 })) as {
      matches: unknown[];
      truncated: boolean;
      note: string;
    };
    expect(result.matches).toHaveLength(5);
    expect(result.truncated).toBe(true);
    expect(result.note).toContain('stopped at 5 matching lines');
  });
});
