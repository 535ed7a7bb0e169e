import { RokuError } from '@roku/schemas';

/** A skill folder in a GitHub repository at a ref: where `roku skill install` fetches it from. */
export interface GitHubSkill {
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  /** Folder of the skill inside the repository ('' for its root). */
  readonly path: string;
  /** The codeload tarball of the repository at the ref. */
  readonly tarball: string;
}

const WEB_BASE = 'https://github.com';
const RAW_BASE = 'https://raw.githubusercontent.com';
const CODELOAD_BASE = 'https://codeload.github.com';
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function base(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): string {
  const value = env[name];
  return (value === undefined || value === '' ? fallback : value).replace(/\/+$/, '');
}

function unsupported(url: string, why: string): RokuError {
  return new RokuError('ROKU_SKILL_UNSUPPORTED_SOURCE', `${url}: ${why}`, { details: { url } });
}

/** The path segments of `url` below `prefix` when it starts with it, else undefined. */
function below(url: string, prefix: string): string[] | undefined {
  if (!url.startsWith(`${prefix}/`)) return undefined;
  const rest = url.slice(prefix.length + 1).replace(/[?#].*$/, '');
  return rest.split('/').map((s) => decodeURIComponent(s));
}

/**
 * Recognises the GitHub forms of spec §9.2 and resolves them to the codeload tarball of the repository at the
 * ref, plus the folder to take from it: `github.com/<o>/<r>/tree/<ref>/<path>`, `…/blob/<ref>/<path>/SKILL.md`
 * and `raw.githubusercontent.com/<o>/<r>/<ref>/<path>/SKILL.md`. Other URLs give undefined. The bases can be
 * moved (mirrors, tests): ROKU_GITHUB_BASE, ROKU_GITHUB_RAW_BASE, ROKU_GITHUB_CODELOAD_BASE. A ref holding a '/'
 * cannot be told from the path in these URLs; the first segment is taken as the ref.
 *
 * @throws ROKU_SKILL_UNSUPPORTED_SOURCE for a GitHub URL of another form (say which ones work)
 */
export function parseGitHubSkillUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): GitHubSkill | undefined {
  const codeload = base(env, 'ROKU_GITHUB_CODELOAD_BASE', CODELOAD_BASE);
  const web = below(url, base(env, 'ROKU_GITHUB_BASE', WEB_BASE));
  const raw = below(url, base(env, 'ROKU_GITHUB_RAW_BASE', RAW_BASE));
  const segments = web ?? raw;
  if (segments === undefined) return undefined;
  const clean = segments.filter((s) => s !== '');
  const [owner, repo] = clean;
  if (owner === undefined || repo === undefined || !NAME.test(owner) || !NAME.test(repo)) {
    throw unsupported(
      url,
      'not a GitHub repository URL (https://github.com/<owner>/<repo>/tree/<ref>/<path>)',
    );
  }
  let ref: string | undefined;
  let path: string[];
  if (web !== undefined) {
    const kind = clean[2];
    if (kind !== 'tree' && kind !== 'blob') {
      throw unsupported(
        url,
        'use a folder URL (…/tree/<ref>/<path>) or a SKILL.md URL (…/blob/<ref>/<path>/SKILL.md) of the skill',
      );
    }
    ref = clean[3];
    path = clean.slice(4);
    if (kind === 'blob') path = skillMdParent(url, path);
  } else {
    ref = clean[2];
    path = skillMdParent(url, clean.slice(3));
  }
  if (ref === undefined) throw unsupported(url, 'names no ref (branch, tag or commit)');
  if (path.some((s) => s === '..' || s === '.')) throw unsupported(url, "has a '.' or '..' path segment");
  return {
    owner,
    repo,
    ref,
    path: path.join('/'),
    tarball: `${codeload}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/tar.gz/${encodeURIComponent(ref)}`,
  };
}

function skillMdParent(url: string, path: string[]): string[] {
  if (path.at(-1) !== 'SKILL.md') throw unsupported(url, "a file URL must name the skill's SKILL.md");
  return path.slice(0, -1);
}

/**
 * Which entries of the codeload tarball to keep: those below `<top>/<path>/`, renamed relative to that folder
 * (codeload puts everything under one top folder, `<repo>-<ref>`).
 */
export function selectSkillFolder(path: string): (entry: string) => string | undefined {
  return (entry) => {
    const rest = entry.split('/').slice(1).join('/');
    if (path === '') return rest;
    if (rest === path) return '';
    return rest.startsWith(`${path}/`) ? rest.slice(path.length + 1) : undefined;
  };
}
