import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOLS_SHELL_ERRORS } from '../src/errors.js';

const manifest = JSON.parse(readFileSync(new URL('../roku.plugin.json', import.meta.url), 'utf8')) as {
  contributes: { tools: { name: string; risk: string[]; maxOutputChars: number }[] };
  permissions: { capabilities: { processes: string[] } };
};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the toolset-shell manifest and docs', () => {
  it('marks run_command as exec with a 30000-character output cap, and lists its programs in the README', () => {
    expect(manifest.contributes.tools.map((t) => [t.name, t.risk, t.maxOutputChars])).toEqual([
      ['run_command', ['exec'], 30000],
    ]);
    expect(readme).toContain(manifest.permissions.capabilities.processes.join(' ').slice(0, 40));
  });

  it('documents every error code of its catalog in the README', () => {
    for (const [code, sentence] of Object.entries(TOOLS_SHELL_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
