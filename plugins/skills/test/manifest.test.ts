import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SKILLS_ERRORS } from '../src/errors.js';

const manifest = JSON.parse(readFileSync(new URL('../roku.plugin.json', import.meta.url), 'utf8')) as {
  contributes: { tools: { name: string; risk: string[] }[] };
  permissions: unknown;
};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the skills manifest and docs', () => {
  it("only reads, and only the two skill folders of the workspace, the user's skills and plugins' skills", () => {
    expect(manifest.contributes.tools.map((t) => [t.name, t.risk])).toEqual([
      ['skill_list', ['read']],
      ['skill_load', ['read']],
      ['skill_read_file', ['read']],
    ]);
    expect(manifest.permissions).toEqual({
      filesystem: [
        { root: 'workspace', path: '.roku/skills', access: 'read' },
        { root: 'workspace', path: 'skills', access: 'read' },
        { root: 'skills', access: 'read' },
        { root: 'plugin-skills', access: 'read' },
      ],
    });
  });

  it('documents every error code of its catalog in the README', () => {
    for (const [code, sentence] of Object.entries(SKILLS_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
