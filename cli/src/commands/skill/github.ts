import { RokuError, isRokuError } from '@roku/schemas';
import { checkUrl } from './source.js';

/** A skill folder in a GitHub repository at a ref: where `roku skill install` fetches it from. */
export interface GitHubSkill {
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  /** Folder of the skill inside the repository ('' for its root). */
  readonly path: string;
  /** The codeload tarball of the repository at the ref; for a bare repository URL, once its ref is known. */
  readonly tarball: string;
  /** A bare repository URL: the ref is the default branch, asked of the GitHub API (`defaultBranch`). */
  readonly needsDefaultBranch?: true;
}

const WEB_BASE = 'https://github.com';
const RAW_BASE = 'https://raw.githubusercontent.com';
const CODELOAD_BASE = 'https://codeload.github.com';
const API_BASE = 'https://api.github.com';
const API_TIMEOUT_MS = 30_000;
const MAX_API_BYTES = 1024 * 1024;
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
 * and `raw.githubusercontent.com/<o>/<r>/<ref>/<path>/SKILL.md`; a bare `github.com/<o>/<r>` takes the default
 * branch (`withDefaultBranch`). Other URLs give undefined. The bases can be moved (mirrors, tests):
 * ROKU_GITHUB_BASE, ROKU_GITHUB_RAW_BASE, ROKU_GITHUB_CODELOAD_BASE, ROKU_GITHUB_API_BASE. A ref holding a '/'
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
  if (web !== undefined && clean.length === 2) {
    return { owner, repo, ref: '', path: '', tarball: '', needsDefaultBranch: true };
  }
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
    tarball: tarballUrl(codeload, owner, repo, ref),
  };
}

function tarballUrl(codeload: string, owner: string, repo: string, ref: string): string {
  return `${codeload}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/tar.gz/${encodeURIComponent(ref)}`;
}

/**
 * A bare repository URL resolved: its default branch from the GitHub API (`GET /repos/<o>/<r>`, base
 * ROKU_GITHUB_API_BASE), and the tarball at it.
 *
 * @throws ROKU_SKILL_DOWNLOAD_FAILED when the API does not answer with a default branch
 */
export async function withDefaultBranch(
  skill: GitHubSkill,
  env: Readonly<Record<string, string | undefined>>,
): Promise<GitHubSkill> {
  if (skill.needsDefaultBranch !== true) return skill;
  const api = `${base(env, 'ROKU_GITHUB_API_BASE', API_BASE)}/repos/${encodeURIComponent(skill.owner)}/${encodeURIComponent(skill.repo)}`;
  const failed = (why: string): RokuError =>
    new RokuError(
      'ROKU_SKILL_DOWNLOAD_FAILED',
      `${api}: ${why} (GitHub metadata of ${skill.owner}/${skill.repo})`,
      {
        details: { url: api },
      },
    );
  let text: string;
  try {
    const response = await fetch(checkUrl(api), {
      headers: { accept: 'application/vnd.github+json', 'user-agent': 'roku-skill-install' },
      redirect: 'error',
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw failed(`HTTP ${response.status}`);
    }
    if (Number(response.headers.get('content-length') ?? 0) > MAX_API_BYTES) {
      await response.body?.cancel();
      throw failed(`the answer is larger than ${MAX_API_BYTES} bytes`);
    }
    text = await response.text();
  } catch (err) {
    if (isRokuError(err)) throw err;
    throw failed((err as Error).message);
  }
  let branch: unknown;
  try {
    branch = (JSON.parse(text) as { default_branch?: unknown }).default_branch;
  } catch {
    throw failed('the answer is not JSON');
  }
  if (typeof branch !== 'string' || branch === '') throw failed('the answer names no default_branch');
  const codeload = base(env, 'ROKU_GITHUB_CODELOAD_BASE', CODELOAD_BASE);
  return {
    owner: skill.owner,
    repo: skill.repo,
    ref: branch,
    path: '',
    tarball: tarballUrl(codeload, skill.owner, skill.repo, branch),
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
