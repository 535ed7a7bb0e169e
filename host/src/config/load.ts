import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { RokuError, createHostConfigValidator, parseStrictJson, strictJsonIssue } from '@roku/schemas';
import type { ResolvedHostConfig, ValidationIssue } from '@roku/schemas';
import { readEnvOverrides } from './env-overrides.js';

/** File name of the host configuration inside ROKU_HOME. */
export const CONFIG_FILE_NAME = 'config.json';

const SECRET_LIKE_KEY = /(api[-_]?key|secret|password|passwd|token|credential|private[-_]?key)$/i;

export interface LoadedConfig {
  readonly config: ResolvedHostConfig;
  /** ROKU_HOME, absolute. */
  readonly home: string;
  /** The file read, or undefined when none existed and defaults applied. */
  readonly file: string | undefined;
  /** Environment variables that changed a value. */
  readonly envKeys: readonly string[];
}

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An explicit file (from --config); it must exist. */
  readonly file?: string;
}

/** ROKU_HOME, or ~/.roku. */
export function resolveHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const home = env.ROKU_HOME;
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.roku');
}

function mergeDeep(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    const bothObjects = [current, value].every(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    out[key] = bothObjects
      ? mergeDeep(current as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return out;
}

function secretLikeSettings(doc: unknown): ValidationIssue[] {
  const settings = (doc as { plugins?: { settings?: unknown } } | undefined)?.plugins?.settings;
  if (typeof settings !== 'object' || settings === null) return [];
  const issues: ValidationIssue[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (SECRET_LIKE_KEY.test(key) && typeof child === 'string') {
        issues.push({
          code: 'ROKU_CONFIG_SECRET_IN_FILE',
          path: childPath,
          message: 'looks like a secret; put it in the environment and grant it to the plugin by name',
        });
      }
      walk(child, childPath);
    }
  };
  walk(settings, '/plugins/settings');
  return issues;
}

function fail(issues: readonly (ValidationIssue & { source: string })[]): never {
  const lines = issues.map((i) => `${i.source}: ${i.path === '' ? '(root)' : i.path} ${i.message}`);
  throw new RokuError('ROKU_CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`, {
    details: { issues },
  });
}

/**
 * Loads the host configuration: schema defaults, then the config file, then ROKU_CONFIG__* variables.
 * Every problem is reported at once, each naming its source (file or variable) and key path.
 *
 * @throws ROKU_CONFIG_NOT_FOUND, ROKU_CONFIG_MALFORMED, ROKU_CONFIG_INVALID
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const home = resolveHome(env);
  const explicit = options.file ?? (env.ROKU_CONFIG_FILE === '' ? undefined : env.ROKU_CONFIG_FILE);
  const file = explicit === undefined ? join(home, CONFIG_FILE_NAME) : resolve(explicit);
  if (explicit !== undefined && !existsSync(file)) {
    throw new RokuError('ROKU_CONFIG_NOT_FOUND', `configuration file not found: ${file}`, {
      details: { file },
    });
  }

  let fromFile: Record<string, unknown> = {};
  const present = existsSync(file);
  if (present) {
    const text = readFileSync(file, 'utf8');
    try {
      // Strict: plugin settings must mean one thing (no duplicate keys, no numbers that round).
      const parsed: unknown = parseStrictJson(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        fail([{ source: file, code: 'ROKU_CONFIG_BAD_VALUE', path: '', message: 'must be a JSON object' }]);
      }
      fromFile = parsed as Record<string, unknown>;
    } catch (err) {
      if (err instanceof RokuError && err.code === 'ROKU_CONFIG_INVALID') throw err;
      const issue = strictJsonIssue(err);
      const where =
        issue === undefined ? (err as Error).message : `${issue.path || '(root)'} ${issue.message}`;
      throw new RokuError('ROKU_CONFIG_MALFORMED', `${file}: not valid JSON: ${where}`, {
        details: { file, ...(issue === undefined ? {} : { issue }) },
        cause: err,
      });
    }
  }

  const validator = createHostConfigValidator();
  const fileResult = validator.validate(fromFile);
  const fileIssues = [...(fileResult.ok ? [] : fileResult.issues), ...secretLikeSettings(fromFile)];
  const overrides = readEnvOverrides(validator.schema, env);
  // The merged document is always checked, so a bad override is listed beside the file's problems.
  const merged = validator.validate(mergeDeep(fromFile, overrides.patch));
  const blame = (i: ValidationIssue): string | undefined =>
    [...overrides.sources].find(([path]) => i.path === path || i.path.startsWith(`${path}/`))?.[1];
  const envIssues = merged.ok
    ? []
    : merged.issues.flatMap((i) => {
        const variable = blame(i);
        return variable === undefined ? [] : [{ ...i, source: `environment ${variable}` }];
      });
  const issues = [
    ...fileIssues.map((i) => ({ ...i, source: file })),
    ...overrides.issues.map((i) => ({ ...i, source: 'environment' })),
    ...envIssues,
  ];
  if (issues.length > 0) fail(issues);
  if (!merged.ok) fail(merged.issues.map((i) => ({ ...i, source: file })));
  const config = merged.value;
  return { config, home, file: present ? file : undefined, envKeys: [...overrides.sources.values()] };
}

/** Resolves a path from the config against ROKU_HOME. */
export function resolveFromHome(home: string, path: string): string {
  return isAbsolute(path) ? path : join(home, path);
}
