import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOLS_FS_ERRORS } from '../src/errors.js';

const manifest = JSON.parse(readFileSync(new URL('../roku.plugin.json', import.meta.url), 'utf8')) as {
  contributes: { tools: { name: string; risk: string[]; outputSchema?: unknown }[] };
  permissions: unknown;
};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the toolset-fs manifest and docs', () => {
  it('marks only write_file and edit_file as writes and grants nothing but the workspace', () => {
    expect(manifest.contributes.tools.map((t) => [t.name, t.risk])).toEqual([
      ['read_file', ['read']],
      ['list_dir', ['read']],
      ['write_file', ['write']],
      ['edit_file', ['write']],
      ['glob', ['read']],
      ['grep', ['read']],
    ]);
    expect(manifest.contributes.tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    expect(manifest.permissions).toEqual({ filesystem: [{ root: 'workspace', access: 'read-write' }] });
  });

  it('documents every error code of its catalog in the README', () => {
    for (const [code, sentence] of Object.entries(TOOLS_FS_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
