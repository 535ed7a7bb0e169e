import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ToolProfile } from '../../src/conformance/index.js';
import { expectConformance, firstParty } from './first-party.js';

const plugins = firstParty('tool');

/** Inputs the samplers cannot guess: a skill to load, a file edit that applies. */
const PROFILES: Record<string, ToolProfile> = {
  'toolset-fs': {
    workspace: { 'edit-me.txt': 'alpha\nbeta\n' },
    inputs: { edit_file: [{ path: 'edit-me.txt', oldString: 'beta', newString: 'gamma' }] },
  },
  skills: {
    workspace: {
      '.roku/skills/conformance/SKILL.md':
        '---\nname: conformance\ndescription: A skill the conformance suite loads.\n---\nSay hello.\n',
      '.roku/skills/conformance/notes.md': 'notes\n',
    },
    inputs: {
      skill_load: [{ name: 'conformance' }],
      skill_read_file: [{ name: 'conformance', file: 'notes.md' }],
    },
  },
};

describe('first-party tool plugins', () => {
  it('exist', () => {
    expect(plugins.length).toBeGreaterThan(0);
  });
  for (const dir of plugins) {
    it(`${basename(dir)} passes the tool conformance suite`, { timeout: 120_000 }, async () => {
      const tool = PROFILES[basename(dir)];
      await expectConformance(dir, 'tool', tool === undefined ? {} : { tool });
    });
  }
});
