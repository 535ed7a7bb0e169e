import { nearestName, parseStrictJson } from '@roku/schemas';
import type { ValidationIssue } from '@roku/schemas';

/** Prefix of environment variables that override configuration keys: ROKU_CONFIG__AGENT__STEP_BUDGET=30. */
export const CONFIG_ENV_PREFIX = 'ROKU_CONFIG__';

/** Short aliases kept for compatibility; the canonical ROKU_CONFIG__ form wins when both are set. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  ROKU_AUTO_APPROVE: ['approvals', 'autoApprove'],
  ROKU_LOG_LEVEL: ['log', 'level'],
};

type SchemaNode = {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
};

/** stepBudget -> STEP_BUDGET */
export function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function parseValue(
  raw: string,
  node: SchemaNode,
): { ok: true; value: unknown } | { ok: false; expected: string } {
  const type = node.type ?? (node.enum === undefined ? 'object' : 'string');
  switch (type) {
    case 'integer':
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, expected: `a ${type}` };
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return { ok: true, value: true };
      if (/^(false|0|no)$/i.test(raw)) return { ok: true, value: false };
      return { ok: false, expected: 'true or false' };
    case 'string':
      return { ok: true, value: raw };
    case 'array':
      if (raw.trim().startsWith('[')) break;
      // A plain comma-separated list is friendlier than JSON for lists of strings.
      return { ok: true, value: raw === '' ? [] : raw.split(',').map((s) => s.trim()) };
    default:
      break;
  }
  try {
    return { ok: true, value: parseStrictJson(raw) };
  } catch {
    return { ok: false, expected: `JSON (${type})` };
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : (node[key] = {});
  }
  node[path.at(-1) ?? ''] = value;
}

export interface EnvOverrides {
  /** A partial config to merge over the file's. */
  readonly patch: Record<string, unknown>;
  /** JSON pointer of each overridden key -> the variable that set it, to blame the right source. */
  readonly sources: ReadonlyMap<string, string>;
  readonly issues: readonly ValidationIssue[];
}

/** Reads ROKU_CONFIG__* variables (and the aliases) against the config schema. */
export function readEnvOverrides(
  schema: SchemaNode,
  env: Readonly<Record<string, string | undefined>>,
): EnvOverrides {
  const patch: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const issues: ValidationIssue[] = [];
  const entries: [string, string[] | undefined, string][] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    if (name.startsWith(CONFIG_ENV_PREFIX)) entries.push([name, undefined, raw]);
    else if (ALIASES[name] !== undefined) entries.push([name, [...ALIASES[name]], raw]);
  }
  // Aliases first, so the canonical variables overwrite them.
  entries.sort((a, b) => Number(a[1] === undefined) - Number(b[1] === undefined));
  for (const [name, aliasPath, raw] of entries) {
    const segments = aliasPath ?? name.slice(CONFIG_ENV_PREFIX.length).split('__');
    const path: string[] = [];
    let node: SchemaNode | undefined = schema;
    for (const segment of segments) {
      const properties: Record<string, SchemaNode> = node.properties ?? {};
      const key: string | undefined =
        aliasPath === undefined ? Object.keys(properties).find((k) => envSegment(k) === segment) : segment;
      if (key !== undefined && properties[key] !== undefined) {
        node = properties[key];
        path.push(key);
        continue;
      }
      if (typeof node.additionalProperties === 'object') {
        node = node.additionalProperties;
        path.push(segment);
        continue;
      }
      const known = Object.keys(properties).map(envSegment);
      const suggestion = nearestName(segment, known);
      issues.push({
        code: 'ROKU_CONFIG_UNKNOWN_KEY',
        path: name,
        message: `'${segment}' is not a configuration key here${
          suggestion === undefined ? `; known: ${known.join(', ')}` : ` (did you mean ${suggestion}?)`
        }`,
      });
      node = undefined;
      break;
    }
    if (node === undefined) continue;
    const parsed = parseValue(raw, node);
    if (!parsed.ok) {
      issues.push({
        code: 'ROKU_CONFIG_BAD_VALUE',
        path: name,
        message: `must be ${parsed.expected}, got '${raw}'`,
      });
      continue;
    }
    setPath(patch, path, parsed.value);
    sources.set(`/${path.join('/')}`, name);
  }
  return { patch, sources, issues };
}
