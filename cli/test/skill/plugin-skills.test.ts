/**
 * Skills shipped inside an installed plugin (`contributes.skills`): a third party's plugin is built from the echo
 * example with a skills folder, signed, published to a directory registry and installed with the real binary;
 * the skills plugin then offers its skills in `roku run` (scripted provider) after the user's, with the clash
 * said, `roku skill list` shows them, and disabling the plugin takes them away. Needs `pnpm build`.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { freshHome, repo } from '../agent/helpers.js';
import type { Home } from '../agent/helpers.js';
import { skillMd } from './archives.js';

const TIMEOUT = 180_000;
const PLUGIN = '@acme/deploy-kit';
let h: Home;

/** The echo example as a third party's plugin carrying two skills: deploy (its own) and notes (a clash). */
function pluginWithSkills(): string {
  const dir = join(tempDir('plugin-skills'), 'deploy-kit');
  const source = join(repo, 'examples/tool-echo');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  for (const file of ['README.md', 'dist/plugin.js']) cpSync(join(source, file), join(dir, file));
  const manifest = JSON.parse(readFileSync(join(source, 'roku.plugin.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const contributes = manifest.contributes as Record<string, unknown>;
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      ...manifest,
      id: PLUGIN,
      version: '1.0.0',
      contributes: { ...contributes, skills: 'skills' },
    }),
  );
  mkdirSync(join(dir, 'skills/deploy/reference'), { recursive: true });
  writeFileSync(join(dir, 'skills/deploy/SKILL.md'), skillMd('deploy', 'Deploy the service with the kit.'));
  writeFileSync(join(dir, 'skills/deploy/reference/steps.md'), '1. build\n2. ship\n');
  mkdirSync(join(dir, 'skills/notes'), { recursive: true });
  writeFileSync(join(dir, 'skills/notes/SKILL.md'), skillMd('notes', "The kit's own notes."));
  return dir;
}

beforeAll(() => {
  return freshHome(false).then((home) => {
    h = home;
    const registry = join(tempDir('acme-registry'), 'data');
    const keys = tempDir('acme-keys');
    const keygen = h.roku(['plugin', 'keygen', '--out', keys, '--json']);
    const { privateKeyFile } = JSON.parse(keygen.stdout) as { privateKeyFile: string };
    const published = h.roku([
      'plugin',
      'publish',
      pluginWithSkills(),
      '--registry',
      pathToFileURL(registry).href,
      '--key',
      privateKeyFile,
    ]);
    if (published.code !== 0) throw new Error(`publish failed:\n${published.stderr}`);
    writeFileSync(
      join(h.home, 'config.json'),
      JSON.stringify({
        registries: [{ name: 'acme', url: pathToFileURL(registry).href, scopes: ['@acme'] }],
      }),
    );
    const install = h.roku([
      'plugin',
      'install',
      '@roku/plugin-provider-scripted',
      '@roku/plugin-skills',
      PLUGIN,
      '--yes',
      '--allow-unsigned',
      PLUGIN,
    ]);
    if (install.code !== 0) throw new Error(`install failed:\n${install.stderr}`);
    // The user's own notes skill: it wins over the plugin's of the same name.
    const mine = join(tempDir('my-notes'), 'notes');
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, 'SKILL.md'), skillMd('notes', 'My meeting notes.'));
    const skill = h.roku(['skill', 'install', mine]);
    if (skill.code !== 0) throw new Error(`skill install failed:\n${skill.stderr}`);
  });
}, TIMEOUT);

describe('skills shipped by an installed plugin', () => {
  it(
    'are offered in roku run with their plugin, after the user skill of the same name, and read on demand',
    () => {
      const listed = h.roku(['run', 'skill_list {}']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(
        `{"name":"deploy","description":"Deploy the service with the kit.","source":"plugin","plugin":"${PLUGIN}"}`,
      );
      expect(listed.stdout).toContain('{"name":"notes","description":"My meeting notes.","source":"user"}');
      expect(listed.stdout).toContain(
        `notes: plugin ${PLUGIN}/notes (plugin) is hidden by $ROKU_HOME/skills/notes (user); workspace > user > plugin`,
      );
      const loaded = h.roku(['run', 'skill_load {"name":"deploy"}']);
      expect(loaded.stdout).toContain('"source":"plugin"');
      expect(loaded.stdout).toContain('"files":["reference/steps.md"]');
      const read = h.roku(['run', 'skill_read_file {"name":"deploy","file":"reference/steps.md"}']);
      expect(read.stdout).toContain('"content":"1. build\\n2. ship\\n"');
      const escape = h.roku(['run', 'skill_read_file {"name":"deploy","file":"../../roku.plugin.json"}']);
      expect(escape.stdout).toContain('is not a path inside the skill folder');
    },
    TIMEOUT,
  );

  it(
    'are listed by roku skill list with their plugin and the clash, and go away with the plugin disabled',
    () => {
      const list = h.roku(['skill', 'list', '--json']);
      expect(list.code).toBe(0);
      const parsed = JSON.parse(list.stdout) as {
        skills: { name: string; kind: string; plugin?: string; source: string }[];
        shadowed: string[];
      };
      expect(parsed.skills).toEqual([
        expect.objectContaining({
          name: 'deploy',
          kind: 'plugin',
          plugin: PLUGIN,
          source: `plugin ${PLUGIN}`,
        }),
        expect.objectContaining({ name: 'notes', kind: 'user' }),
      ]);
      expect(parsed.shadowed).toEqual([
        expect.stringMatching(/^notes: .*skills\/notes \(plugin @acme\/deploy-kit\) is hidden by .*\(user\)/),
      ]);
      const text = h.roku(['skill', 'list']);
      expect(text.stdout).toMatch(/deploy\s+-\s+plugin\s+plugin @acme\/deploy-kit/);

      expect(h.roku(['plugin', 'disable', PLUGIN]).code).toBe(0);
      const after = h.roku(['run', 'skill_list {}']);
      expect(after.code).toBe(0);
      expect(after.stdout).not.toContain('"deploy"');
      expect(h.roku(['skill', 'list']).stdout).not.toContain('deploy');
    },
    TIMEOUT,
  );
});
