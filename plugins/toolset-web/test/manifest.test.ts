import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOLS_WEB_ERRORS } from '../src/errors.js';

const manifest = JSON.parse(readFileSync(new URL('../roku.plugin.json', import.meta.url), 'utf8')) as {
  contributes: { tools: { name: string; risk: string[]; maxOutputChars: number }[] };
  permissions: unknown;
};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the toolset-web manifest and docs', () => {
  it('marks fetch_url as a network tool and asks for public http and https origins only', () => {
    expect(manifest.contributes.tools.map((t) => [t.name, t.risk, t.maxOutputChars])).toEqual([
      ['fetch_url', ['network'], 30000],
    ]);
    expect(manifest.permissions).toEqual({ network: ['https://*', 'http://*'] });
  });

  it('documents every error code of its catalog in the README', () => {
    for (const [code, sentence] of Object.entries(TOOLS_WEB_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
