/**
 * The plugin-skills root: the skills folders of active plugins, one per plugin, read only. Only what the host maps
 * is reachable (nothing else of a plugin's folder), links are not followed, and the root needs a grant.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createHarness, expectError, expectOk } from '../helpers.js';
import type { Harness } from '../helpers.js';

let current: Harness | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

/** An installed plugin folder with a manifest, code and a skills folder holding one skill. */
function pluginFolder(): { dir: string; skills: string } {
  const dir = tempDir('plugin-with-skills');
  writeFileSync(join(dir, 'roku.plugin.json'), '{"secret":"manifest"}');
  const skills = join(dir, 'skills');
  mkdirSync(join(skills, 'deploy'), { recursive: true });
  writeFileSync(join(skills, 'deploy', 'SKILL.md'), 'deploy steps');
  return { dir, skills };
}

function harness(granted: boolean, folders: ReadonlyMap<string, string>): Harness {
  current = createHarness({
    permissions: { filesystem: granted ? [{ root: 'plugin-skills', access: 'read-write' }] : [] },
    pluginSkills: folders,
  });
  return current;
}

describe('fs: the plugin-skills root', () => {
  it('lists the active plugins that ship skills and reads their skills, never writes them', async () => {
    const { skills } = pluginFolder();
    const h = harness(true, new Map([['@acme+kit', skills]]));
    expect(expectOk(await h.request('fs.list', { root: 'plugin-skills', path: '' })).entries).toEqual([
      { name: '@acme+kit', type: 'dir' },
    ]);
    expect(
      expectOk(await h.request('fs.list', { root: 'plugin-skills', path: '@acme+kit' })).entries,
    ).toEqual([{ name: 'deploy', type: 'dir' }]);
    const read = expectOk(
      await h.request('fs.read', {
        root: 'plugin-skills',
        path: '@acme+kit/deploy/SKILL.md',
        encoding: 'utf8',
      }),
    );
    expect(read.data).toBe('deploy steps');
    const message = expectError(
      await h.request('fs.write', {
        root: 'plugin-skills',
        path: '@acme+kit/deploy/SKILL.md',
        data: 'pwned',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('the plugin-skills root is read only');
    expect(readFileSync(join(skills, 'deploy', 'SKILL.md'), 'utf8')).toBe('deploy steps');
  });

  it("reaches nothing but the skills folder: not the plugin's manifest, no other plugin, no link out", async () => {
    const { skills } = pluginFolder();
    symlinkSync('/etc', join(skills, 'etc'));
    const h = harness(true, new Map([['@acme+kit', skills]]));
    expectError(
      await h.request('fs.read', {
        root: 'plugin-skills',
        path: '@acme+kit/../roku.plugin.json',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
    const other = expectError(
      await h.request('fs.read', {
        root: 'plugin-skills',
        path: '@other+x/deploy/SKILL.md',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_FAILED',
    );
    expect(other).toContain('no active plugin "@other+x" ships skills');
    expectError(
      await h.request('fs.read', { root: 'plugin-skills', path: '@acme+kit/etc/passwd', encoding: 'utf8' }),
      'ROKU_CAPABILITY_DENIED',
    );
    // The link is not listed either: only files and folders are.
    expect(
      expectOk(await h.request('fs.list', { root: 'plugin-skills', path: '@acme+kit' })).entries,
    ).toEqual([{ name: 'deploy', type: 'dir' }]);
  });

  it('is denied without a grant, the listing of plugins included', async () => {
    const { skills } = pluginFolder();
    const h = harness(false, new Map([['@acme+kit', skills]]));
    expectError(await h.request('fs.list', { root: 'plugin-skills', path: '' }), 'ROKU_CAPABILITY_DENIED');
    expectError(
      await h.request('fs.read', {
        root: 'plugin-skills',
        path: '@acme+kit/deploy/SKILL.md',
        encoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
  });
});
