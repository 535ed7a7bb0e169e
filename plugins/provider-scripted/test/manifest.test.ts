import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCRIPTED_ERRORS } from '../src/errors.js';

const manifest = JSON.parse(readFileSync(new URL('../roku.plugin.json', import.meta.url), 'utf8')) as {
  contributes: { providers: { name: string; models: { id: string; contextWindow: number }[] }[] };
  permissions: Record<string, unknown>;
};
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the scripted provider manifest and docs', () => {
  it('declares the scripted provider with both models and asks for no permissions', () => {
    const [provider] = manifest.contributes.providers;
    expect(provider?.name).toBe('scripted');
    expect(provider?.models.map((m) => [m.id, m.contextWindow])).toEqual([
      ['scripted-1', 200000],
      ['scripted-small', 16000],
    ]);
    expect(manifest.permissions).toEqual({});
  });

  it('documents every error code of its catalog in the README', () => {
    for (const [code, sentence] of Object.entries(SCRIPTED_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
