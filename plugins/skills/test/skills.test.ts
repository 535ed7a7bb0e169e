import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import { tempDir } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;

const PDF_SKILL = `---
name: pdf-forms
description: Fill in PDF forms. Use when the user asks to complete a PDF form.
version: 1.2.0
---
# Filling PDF forms

1. Read reference/fields.md.
2. Run scripts/fill.py with the field values.
`;

beforeAll(async () => {
  host = await createTestHost();
  const ws = host.workspace;
  mkdirSync(join(ws, '.roku/skills/pdf/reference'), { recursive: true });
  mkdirSync(join(ws, '.roku/skills/pdf/scripts'), { recursive: true });
  writeFileSync(join(ws, '.roku/skills/pdf/SKILL.md'), PDF_SKILL);
  writeFileSync(join(ws, '.roku/skills/pdf/reference/fields.md'), 'Field names are case-sensitive.\n');
  writeFileSync(join(ws, '.roku/skills/pdf/scripts/fill.py'), 'print("filled")\n');
  writeFileSync(join(ws, '.roku/skills/pdf/logo.png'), Buffer.from([0x89, 0x50, 0, 0]));
  mkdirSync(join(ws, 'skills/changelog'), { recursive: true });
  writeFileSync(
    join(ws, 'skills/changelog/SKILL.md'),
    `---\nname: changelog\ndescription: Write changelog entries.\n---\n${'Keep entries short. '.repeat(3000)}`,
  );
  mkdirSync(join(ws, 'skills/broken'), { recursive: true });
  writeFileSync(join(ws, 'skills/broken/SKILL.md'), '# no front matter here\n');
  const outside = tempDir('skills-outside');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(ws, '.roku/skills/pdf/reference/leak.md'));
  // The user's skills: one of their own, one hidden by the workspace's of the same name, install records.
  const user = join(host.home, 'skills');
  mkdirSync(join(user, 'commit-msg'), { recursive: true });
  writeFileSync(
    join(user, 'commit-msg/SKILL.md'),
    '---\nname: commit-msg\ndescription: Write commit messages.\n---\nSay what and why.\n',
  );
  writeFileSync(join(user, 'commit-msg/style.md'), 'One line.\n');
  mkdirSync(join(user, 'changelog'), { recursive: true });
  writeFileSync(join(user, 'changelog/SKILL.md'), '---\nname: changelog\ndescription: Mine.\n---\n');
  mkdirSync(join(user, '.installed'), { recursive: true });
  plugin = await host.load(dir);
});
afterAll(() => host.close());

const failed = (pluginCode: string, text: string) => ({
  code: 'ROKU_PLUGIN_FAILED',
  details: { pluginCode },
  message: expect.stringContaining(text) as unknown,
});

describe('skills', () => {
  it('lists names and descriptions only, and reports a SKILL.md it cannot read', async () => {
    expect(await plugin.callTool('skill_list', {})).toEqual({
      skills: [
        { name: 'changelog', description: 'Write changelog entries.', source: 'workspace' },
        { name: 'commit-msg', description: 'Write commit messages.', source: 'user' },
        {
          name: 'pdf-forms',
          description: 'Fill in PDF forms. Use when the user asks to complete a PDF form.',
          source: 'workspace',
        },
      ],
      problems: ['skills/broken/SKILL.md: no YAML front matter (a block between --- lines at the top)'],
      shadowed: [
        'changelog: $ROKU_HOME/skills/changelog (user) is hidden by skills/changelog (workspace); workspace > user > plugin',
      ],
    });
  });

  it("loads a user's skill from $ROKU_HOME/skills and reads its files", async () => {
    expect(await plugin.callTool('skill_load', { name: 'commit-msg' })).toMatchObject({
      folder: '$ROKU_HOME/skills/commit-msg',
      source: 'user',
      instructions: 'Say what and why.\n',
      files: ['style.md'],
    });
    expect(await plugin.callTool('skill_read_file', { name: 'commit-msg', file: 'style.md' })).toMatchObject({
      content: 'One line.\n',
    });
  });

  it('loads a skill body and its file names when used, and reads one of its files', async () => {
    const loaded = (await plugin.callTool('skill_load', { name: 'pdf-forms' })) as Record<string, unknown>;
    expect(loaded).toMatchObject({
      folder: '.roku/skills/pdf',
      source: 'workspace',
      version: '1.2.0',
      truncated: false,
    });
    expect(loaded.instructions).toContain('Run scripts/fill.py');
    expect(loaded.files).toEqual(['logo.png', 'reference/fields.md', 'scripts/fill.py']);
    expect(
      await plugin.callTool('skill_read_file', { name: 'pdf-forms', file: 'reference/fields.md' }),
    ).toEqual({
      name: 'pdf-forms',
      file: 'reference/fields.md',
      content: 'Field names are case-sensitive.\n',
      truncated: false,
    });
    const long = (await plugin.callTool('skill_load', { name: 'changelog' })) as {
      truncated: boolean;
      instructions: string;
    };
    expect(long.truncated).toBe(true);
    expect(long.instructions).toMatch(/\[truncated: 24576 of 60000 bytes shown\]$/);
  });

  it('refuses unknown skills, paths out of the folder, links out and binary files', async () => {
    await expect(plugin.callTool('skill_load', { name: 'nope' })).rejects.toMatchObject(
      failed('ROKU_SKILL_NOT_FOUND', 'skills: changelog, commit-msg, pdf-forms'),
    );
    await expect(
      plugin.callTool('skill_read_file', { name: 'pdf-forms', file: '../changelog/SKILL.md' }),
    ).rejects.toMatchObject(failed('ROKU_SKILL_BAD_FILE', 'not a path inside the skill folder'));
    await expect(
      plugin.callTool('skill_read_file', { name: 'pdf-forms', file: 'reference/leak.md' }),
    ).rejects.toMatchObject(failed('ROKU_CAPABILITY_DENIED', 'symbolic link'));
    await expect(
      plugin.callTool('skill_read_file', { name: 'pdf-forms', file: 'logo.png' }),
    ).rejects.toMatchObject(failed('ROKU_SKILL_BAD_FILE', 'binary'));
  });
});
