/**
 * `roku skill install|list|remove` through the real binary with a temporary ROKU_HOME: a folder, a .zip and a
 * .tar.gz served on loopback, hostile archives refused with clear errors, repeat installs, and an installed skill
 * offered to the agent by the skills plugin in `roku run` (scripted provider). Needs `pnpm build`.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { freshHome } from '../agent/helpers.js';
import type { CliResult, Home } from '../agent/helpers.js';
import { makeTarGz, makeZip, skillMd } from './archives.js';

const TIMEOUT = 120_000;
let h: Home;
let origin = '';
let served = 0;
const files = new Map<string, Buffer>();
const server = createServer((req, res) => {
  served += 1;
  const body = files.get(req.url ?? '');
  if (req.url === '/endless.zip') {
    // No Content-Length and more bytes than the cap: only the count while streaming can stop it.
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 1);
    const write = (): void => {
      while (res.write(chunk));
    };
    res.on('drain', write);
    res.on('close', () => res.off('drain', write));
    write();
    return;
  }
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-length': body.length }).end(body);
});

/** `roku …` without blocking this process, so the loopback server can answer. */
function roku(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = h.spawn(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return once(child, 'close').then(([code]) => ({ code: code as number, stdout, stderr }));
}

const skillsDir = (): string => join(h.home, 'skills');

/**
 * What codeload.github.com serves for a repository at a ref: `git archive` of a real repository with the
 * `<repo>-<ref>/` prefix (pax global header included).
 */
function codeloadTarball(prefix: string, files: Record<string, string>): Buffer {
  const repo = tempDir('gh-repo');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  const git = (...args: string[]): Buffer =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'skills');
  return git('archive', '--format=tar.gz', `--prefix=${prefix}/`, 'HEAD');
}

beforeAll(async () => {
  h = await freshHome(false);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  files.set(
    '/pdf.zip',
    makeZip([
      { name: 'pdf-tools/', mode: 0o040755 },
      { name: 'pdf-tools/SKILL.md', data: skillMd('pdf-tools', 'Fill PDF forms.') },
      { name: 'pdf-tools/scripts/fill.py', data: 'print("filled")\n' },
    ]),
  );
  files.set(
    '/acme/skills-repo/tar.gz/main',
    codeloadTarball('skills-repo-main', {
      'README.md': '# skills\n',
      'skills/lint/SKILL.md': skillMd('lint', 'Lint the project.'),
      'skills/lint/rules/style.md': '- no tabs\n',
      'skills/release/SKILL.md': skillMd('release', 'Cut a release.'),
    }),
  );
  files.set('/api/repos/acme/solo', Buffer.from('{"default_branch":"trunk","name":"solo"}'));
  files.set(
    '/acme/solo/tar.gz/trunk',
    codeloadTarball('solo-trunk', {
      'SKILL.md': skillMd('solo', 'A repository that is one skill.'),
      'notes.md': 'n\n',
    }),
  );
  files.set(
    '/notes.tar.gz',
    makeTarGz([
      { name: 'SKILL.md', data: skillMd('notes', 'Keep meeting notes.') },
      { name: 'reference/format.md', data: '# Format\n' },
    ]),
  );
}, TIMEOUT);
afterAll(() => {
  server.close();
});

describe('roku skill install', () => {
  it(
    'installs from a folder, a .zip and a .tar.gz on loopback, and lists them with their source',
    async () => {
      const folder = join(tempDir('skill-src'), 'changelog');
      mkdirSync(join(folder, 'templates'), { recursive: true });
      writeFileSync(join(folder, 'SKILL.md'), skillMd('changelog', 'Write changelog entries.'));
      writeFileSync(join(folder, 'templates/entry.md'), '- what changed\n');
      const fromFolder = await roku(['skill', 'install', folder]);
      expect(fromFolder).toMatchObject({ code: 0 });
      expect(fromFolder.stdout).toContain(
        `installed skill changelog (2 files) in ${join(skillsDir(), 'changelog')}`,
      );
      expect(readFileSync(join(skillsDir(), 'changelog/templates/entry.md'), 'utf8')).toBe(
        '- what changed\n',
      );

      expect(await roku(['skill', 'install', `${origin}/pdf.zip`])).toMatchObject({ code: 0 });
      expect(readFileSync(join(skillsDir(), 'pdf-tools/scripts/fill.py'), 'utf8')).toContain('filled');
      expect(await roku(['skill', 'install', `${origin}/notes.tar.gz`])).toMatchObject({ code: 0 });
      expect(existsSync(join(skillsDir(), 'notes/reference/format.md'))).toBe(true);

      const list = await roku(['skill', 'list', '--json']);
      const parsed = JSON.parse(list.stdout) as { skills: { name: string; source: string }[] };
      expect(parsed.skills).toEqual([
        expect.objectContaining({ name: 'changelog', source: folder }),
        expect.objectContaining({ name: 'notes', source: `${origin}/notes.tar.gz` }),
        expect.objectContaining({ name: 'pdf-tools', source: `${origin}/pdf.zip` }),
      ]);
    },
    TIMEOUT,
  );

  it(
    'reports a repeat install without downloading again, refuses another source, replaces with --force',
    async () => {
      const before = served;
      const again = await roku(['skill', 'install', `${origin}/pdf.zip`]);
      expect(again).toMatchObject({ code: 0 });
      expect(again.stdout).toContain('skill pdf-tools is already installed from');
      expect(again.stdout).toContain('repeat install: nothing fetched');
      expect(served).toBe(before);

      files.set(
        '/pdf2.zip',
        makeZip([{ name: 'SKILL.md', data: skillMd('pdf-tools', 'Fill PDF forms, version two.') }]),
      );
      const other = await roku(['skill', 'install', `${origin}/pdf2.zip`]);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(
        `skill pdf-tools is already installed from ${origin}/pdf.zip; pass --force`,
      );
      expect(other.stderr).toContain('[ROKU_SKILL_EXISTS]');
      expect(readFileSync(join(skillsDir(), 'pdf-tools/SKILL.md'), 'utf8')).toContain('Fill PDF forms.');

      const forced = await roku(['skill', 'install', '--force', `${origin}/pdf2.zip`]);
      expect(forced.stdout).toContain('replaced skill pdf-tools (1 files)');
      expect(readFileSync(join(skillsDir(), 'pdf-tools/SKILL.md'), 'utf8')).toContain('version two');
      expect(existsSync(join(skillsDir(), 'pdf-tools/scripts'))).toBe(false);
    },
    TIMEOUT,
  );

  const refusals: [string, Buffer, string, string][] = [
    [
      'a zip with a .. path',
      makeZip([{ name: '../evil/SKILL.md', data: 'x' }]),
      'ROKU_SKILL_ARCHIVE_UNSAFE',
      'archive: invalid relative path: ../evil/SKILL.md',
    ],
    [
      'a zip with an absolute path',
      makeZip([{ name: '/etc/evil', data: 'x' }]),
      'ROKU_SKILL_ARCHIVE_UNSAFE',
      'archive: absolute path: /etc/evil',
    ],
    [
      'a zip with a symlink entry',
      makeZip([
        { name: 'SKILL.md', data: skillMd('l', 'd') },
        { name: 'leak', data: '/etc/passwd', mode: 0o120777 },
      ]),
      'ROKU_SKILL_ARCHIVE_UNSAFE',
      '"leak" is a symbolic link',
    ],
    [
      'a tar.gz with a .. path',
      makeTarGz([{ name: '../evil.md', data: 'x' }]),
      'ROKU_SKILL_ARCHIVE_UNSAFE',
      `has a '..' segment`,
    ],
    [
      'a tar.gz with a symlink',
      makeTarGz([{ name: 'leak', link: '/etc/passwd' }]),
      'ROKU_SKILL_ARCHIVE_UNSAFE',
      'leak: is a symlink entry',
    ],
    [
      'a zip bomb',
      makeZip([
        { name: 'SKILL.md', data: skillMd('b', 'd') },
        { name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) },
      ]),
      'ROKU_SKILL_ARCHIVE_TOO_LARGE',
      'zeros.bin expands more than 200:1 (a zip bomb)',
    ],
    [
      'a tar.gz bomb',
      makeTarGz([{ name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }]),
      'ROKU_SKILL_ARCHIVE_TOO_LARGE',
      'expands more than 200:1',
    ],
    [
      'an archive without SKILL.md',
      makeZip([{ name: 'README.md', data: 'hi' }]),
      'ROKU_SKILL_INVALID',
      'no SKILL.md at the root or in the single top folder',
    ],
    [
      'a file that is no archive',
      Buffer.from('just text'),
      'ROKU_SKILL_UNSUPPORTED_SOURCE',
      'not a .zip or .tar.gz archive',
    ],
  ];
  for (const [what, bytes, code, message] of refusals) {
    it(
      `refuses ${what} with a clear error and leaves nothing behind`,
      async () => {
        const file = join(tempDir('skill-bad'), 'bad.zip');
        writeFileSync(file, bytes);
        const r = await roku(['skill', 'install', file]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(message);
        expect(r.stderr).toContain(`[${code}]`);
        expect(readdirSync(skillsDir()).filter((n) => n.startsWith('.staging'))).toEqual([]);
        expect(existsSync('/etc/evil')).toBe(false);
      },
      TIMEOUT,
    );
  }

  it(
    'refuses an archive over the size cap while it streams in, and http to a host not on loopback',
    async () => {
      const cap = { ROKU_RUNTIME__SKILLS__MAX_ARCHIVE_BYTES: String(1024 * 1024) };
      const endless = await roku(['skill', 'install', `${origin}/endless.zip`], cap);
      expect(endless.code).toBe(1);
      expect(endless.stderr).toContain(
        `${origin}/endless.zip: the archive is larger than 1048576 bytes [ROKU_SKILL_ARCHIVE_TOO_LARGE]`,
      );
      files.set('/big.zip', Buffer.alloc(2 * 1024 * 1024));
      const declared = await roku(['skill', 'install', `${origin}/big.zip`], cap);
      expect(declared.stderr).toContain('larger than 1048576 bytes');
      const plain = await roku(['skill', 'install', 'http://example.com/s.zip']);
      expect(plain.stderr).toContain(
        'only https URLs are fetched (http only on loopback) [ROKU_SKILL_UNSUPPORTED_SOURCE]',
      );
    },
    TIMEOUT,
  );

  it(
    'installs one folder of a GitHub repository from its codeload tarball: tree, blob and bare repository URLs',
    async () => {
      const github = { ROKU_GITHUB_BASE: `${origin}/gh`, ROKU_GITHUB_CODELOAD_BASE: origin };
      const tree = `${origin}/gh/acme/skills-repo/tree/main/skills/lint`;
      const first = await roku(['skill', 'install', tree, '--json'], github);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        outcome: 'installed',
        name: 'lint',
        files: 2,
        source: tree,
      });
      expect(readFileSync(join(skillsDir(), 'lint/rules/style.md'), 'utf8')).toBe('- no tabs\n');
      // Only that folder: neither the README nor the other skill of the repository came along.
      expect(readdirSync(join(skillsDir(), 'lint')).sort()).toEqual(['SKILL.md', 'rules']);
      expect(existsSync(join(skillsDir(), 'release'))).toBe(false);

      const before = served;
      const again = await roku(['skill', 'install', tree], github);
      expect(again.stdout).toContain('repeat install: nothing fetched');
      expect(served).toBe(before);

      const blob = `${origin}/gh/acme/skills-repo/blob/main/skills/release/SKILL.md`;
      expect(await roku(['skill', 'install', blob], github)).toMatchObject({ code: 0 });
      expect(readFileSync(join(skillsDir(), 'release/SKILL.md'), 'utf8')).toContain('Cut a release.');
      const raw = `${origin}/raw/acme/skills-repo/main/skills/release/SKILL.md`;
      const viaRaw = await roku(['skill', 'install', '--force', raw, '--json'], {
        ...github,
        ROKU_GITHUB_RAW_BASE: `${origin}/raw`,
      });
      expect(JSON.parse(viaRaw.stdout)).toMatchObject({ outcome: 'replaced', name: 'release', source: raw });

      const missing = await roku(
        ['skill', 'install', `${origin}/gh/acme/skills-repo/tree/main/skills/nope`],
        github,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(
        'skills/nope has no files in acme/skills-repo at main [ROKU_SKILL_INVALID]',
      );
      const noRef = await roku(
        ['skill', 'install', `${origin}/gh/acme/skills-repo/tree/other/skills/lint`],
        github,
      );
      expect(noRef.stderr).toContain(
        `${origin}/acme/skills-repo/tar.gz/other: HTTP 404 [ROKU_SKILL_DOWNLOAD_FAILED]`,
      );
      const wrongFile = await roku(
        ['skill', 'install', `${origin}/gh/acme/skills-repo/blob/main/README.md`],
        github,
      );
      expect(wrongFile.stderr).toContain(
        "a file URL must name the skill's SKILL.md [ROKU_SKILL_UNSUPPORTED_SOURCE]",
      );
      // A bare repository URL: the default branch from the API, the repository root as the skill.
      const api = { ...github, ROKU_GITHUB_API_BASE: `${origin}/api` };
      const bare = await roku(['skill', 'install', `${origin}/gh/acme/solo`], api);
      expect(bare.stdout).toContain('installed skill solo (2 files)');
      const noApi = await roku(['skill', 'install', `${origin}/gh/acme/other`], api);
      expect(noApi.stderr).toContain(
        `${origin}/api/repos/acme/other: HTTP 404 (GitHub metadata of acme/other) [ROKU_SKILL_DOWNLOAD_FAILED]`,
      );
      const list = JSON.parse((await roku(['skill', 'list', '--json'])).stdout) as {
        skills: { name: string }[];
      };
      expect(list.skills.map((s) => s.name)).toEqual(expect.arrayContaining(['lint', 'release', 'solo']));
      expect(await roku(['skill', 'remove', 'lint'])).toMatchObject({ code: 0 });
      expect(await roku(['skill', 'remove', 'release'])).toMatchObject({ code: 0 });
      const removed = await roku(['skill', 'remove', 'solo']);
      expect(removed.code, removed.stderr).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'offers an installed skill to the agent in roku run, and forgets it once removed',
    async () => {
      const install = await roku([
        'plugin',
        'install',
        '@roku/plugin-provider-scripted',
        '@roku/plugin-skills',
        '--yes',
      ]);
      expect(install.code).toBe(0);
      const listed = await roku(['run', 'skill_list {}']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('{"name":"notes","description":"Keep meeting notes.","source":"user"}');
      const loaded = await roku(['run', 'skill_read_file {"name":"notes","file":"reference/format.md"}']);
      expect(loaded.stdout).toContain('"content":"# Format\\n"');
      expect(await roku(['skill', 'remove', 'notes'])).toMatchObject({
        code: 0,
        stdout: 'removed skill notes\n',
      });
      const after = await roku(['run', 'skill_list {}']);
      expect(after.stdout).not.toContain('"notes"');
      const again = await roku(['skill', 'remove', 'notes']);
      expect(again.stderr).toContain('skill "notes" is not installed in');
    },
    TIMEOUT,
  );
});
