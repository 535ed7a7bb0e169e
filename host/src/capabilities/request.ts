import { strictJsonParse } from '@roku/schemas';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../sandbox/protocol.js';
import { badRequest, overLimit, quote } from './policy.js';

/** Argument shapes per operation; they mirror `CapabilityOps` of `@roku/plugin-api`. */
export interface CapabilityArgs {
  'fetch.start': {
    url: string;
    method: string;
    headers: [string, string][];
    body: string | null;
    bodyEncoding: 'utf8' | 'base64';
    /** 'inline': the reply carries the body bytes that came with the headers (older plugins read them all). */
    firstChunk?: 'inline';
  };
  'fetch.read': { streamId: string };
  'fetch.cancel': { streamId: string };
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown };
  emit: { event: unknown };
  'kv.get': { key: string };
  'kv.set': { key: string; value: string };
  'kv.delete': { key: string };
  'kv.list': { prefix: string };
  'fs.read': { root: string; path: string; encoding: 'utf8' | 'base64' };
  'fs.write': { root: string; path: string; data: string; encoding: 'utf8' | 'base64' };
  'fs.list': { root: string; path: string };
  'fs.readMany': { root: string; path: string; names: unknown[] };
  'env.get': { name: string };
  'llm.chat': { request: unknown };
  'memory.recall': { query: string; limit: number };
  'memory.write': { records: unknown[] };
  'tools.invoke': { name: string; input: unknown };
  'subagent.run': { task: string; runtime?: string };
  'process.run': {
    argv: unknown[] | null;
    shell: string | null;
    cwd: string;
    timeoutMs: number;
    maxOutputBytes: number;
  };
  'sql.query': { sql: string; params: unknown[] };
  'sql.batch': { statements: unknown[] };
}

export type CapabilityOpName = keyof CapabilityArgs;

export type ParsedRequest = {
  [K in CapabilityOpName]: { readonly op: K; readonly args: CapabilityArgs[K] };
}[CapabilityOpName];

type FieldType =
  | { readonly t: 'string'; readonly max: number }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  | { readonly t: 'stringOrNull' }
  | { readonly t: 'headers' }
  | { readonly t: 'array' }
  | { readonly t: 'arrayOrNull' }
  | { readonly t: 'unknown' };

interface Field {
  readonly type: FieldType;
  readonly optional?: boolean;
}

const MAX_DEPTH = 64;
const MAX_HEADERS = 100;
const SHORT = 1024;
const URL_MAX = 8192;
const BIG = MAX_CAPABILITY_MESSAGE_BYTES;

const str = (max: number): Field => ({ type: { t: 'string', max } });
const oneOf = (...values: string[]): Field => ({ type: { t: 'enum', values } });
const anything: Field = { type: { t: 'unknown' } };
const ENCODING = oneOf('utf8', 'base64');

const SPEC: { readonly [K in CapabilityOpName]: Readonly<Record<keyof CapabilityArgs[K], Field>> } = {
  'fetch.start': {
    url: str(URL_MAX),
    method: str(32),
    headers: { type: { t: 'headers' } },
    body: { type: { t: 'stringOrNull' } },
    bodyEncoding: ENCODING,
    firstChunk: { ...oneOf('inline'), optional: true },
  },
  'fetch.read': { streamId: str(128) },
  'fetch.cancel': { streamId: str(128) },
  log: {
    level: oneOf('debug', 'info', 'warn', 'error'),
    message: str(BIG),
    data: { ...anything, optional: true },
  },
  emit: { event: anything },
  'kv.get': { key: str(SHORT) },
  'kv.set': { key: str(SHORT), value: str(BIG) },
  'kv.delete': { key: str(SHORT) },
  'kv.list': { prefix: str(SHORT) },
  'fs.read': { root: str(32), path: str(4096), encoding: ENCODING },
  'fs.write': { root: str(32), path: str(4096), data: str(BIG), encoding: ENCODING },
  'fs.list': { root: str(32), path: str(4096) },
  'fs.readMany': { root: str(32), path: str(4096), names: { type: { t: 'array' } } },
  'env.get': { name: str(256) },
  'llm.chat': { request: anything },
  'memory.recall': { query: str(BIG), limit: { type: { t: 'int', min: 1, max: 1000 } } },
  'memory.write': { records: { type: { t: 'array' } } },
  'tools.invoke': { name: str(256), input: anything },
  'subagent.run': { task: str(BIG), runtime: { ...str(256), optional: true } },
  'process.run': {
    argv: { type: { t: 'arrayOrNull' } },
    shell: { type: { t: 'stringOrNull' } },
    cwd: str(4096),
    timeoutMs: { type: { t: 'int', min: 1, max: 600_000 } },
    maxOutputBytes: { type: { t: 'int', min: 1, max: 1_048_576 } },
  },
  // Statements and values are checked by sql/sql-capability.ts.
  'sql.query': { sql: str(BIG), params: { type: { t: 'array' } } },
  'sql.batch': { statements: { type: { t: 'array' } } },
};

function isOp(op: unknown): op is CapabilityOpName {
  return typeof op === 'string' && Object.hasOwn(SPEC, op);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies parsed JSON into null-prototype objects so no plugin key can reach a prototype. */
function toPlainData(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw badRequest(`is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item: unknown) => toPlainData(item, depth + 1));
  if (isRecord(value)) {
    const copy = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      Object.defineProperty(copy, key, {
        value: toPlainData(value[key], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

function checkField(op: string, name: string, field: Field, value: unknown): string | undefined {
  const where = `${op} argument '${name}'`;
  const type = field.type;
  switch (type.t) {
    case 'string':
      if (typeof value !== 'string') return `${where} must be a string`;
      if (value.length > type.max) return `${where} is longer than ${type.max} characters`;
      return undefined;
    case 'enum':
      return typeof value === 'string' && type.values.includes(value)
        ? undefined
        : `${where} must be one of ${type.values.join(', ')}`;
    case 'int':
      return Number.isInteger(value) && (value as number) >= type.min && (value as number) <= type.max
        ? undefined
        : `${where} must be an integer from ${type.min} to ${type.max}`;
    case 'stringOrNull':
      return value === null || typeof value === 'string' ? undefined : `${where} must be a string or null`;
    case 'headers':
      if (!Array.isArray(value)) return `${where} must be an array of [name, value] pairs`;
      if (value.length > MAX_HEADERS) return `${where} has more than ${MAX_HEADERS} entries`;
      return value.every(
        (pair: unknown) =>
          Array.isArray(pair) &&
          pair.length === 2 &&
          typeof pair[0] === 'string' &&
          typeof pair[1] === 'string' &&
          pair[0].length <= SHORT &&
          pair[1].length <= URL_MAX,
      )
        ? undefined
        : `${where} must be an array of [name, value] string pairs`;
    case 'array':
      return Array.isArray(value) ? undefined : `${where} must be an array`;
    case 'arrayOrNull':
      return value === null || Array.isArray(value) ? undefined : `${where} must be an array or null`;
    case 'unknown':
      return value === undefined ? `${where} is missing` : undefined;
  }
}

/**
 * Parses a capability request: size cap, JSON, null-prototype copy, known operation and exact argument shape.
 *
 * @throws ROKU_CAPABILITY_LIMIT when the JSON is larger than MAX_CAPABILITY_MESSAGE_BYTES
 * @throws ROKU_CAPABILITY_BAD_REQUEST for malformed JSON, unknown operations, unknown or ill-typed arguments
 */
export function parseCapabilityRequest(json: string, pluginId: string): ParsedRequest {
  if (json.length > BIG || Buffer.byteLength(json, 'utf8') > BIG) {
    throw overLimit(`${pluginId}: capability request is larger than ${BIG} bytes`);
  }
  let raw: unknown;
  try {
    raw = strictJsonParse(json);
  } catch (err) {
    // Strict: a key twice or a number that would change meaning is refused, not read one way.
    throw badRequest(`${pluginId}: capability request is not valid JSON: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = toPlainData(raw, 0);
  } catch (err) {
    throw badRequest(`${pluginId}: capability request ${(err as Error).message}`);
  }
  if (!isRecord(parsed)) throw badRequest(`${pluginId}: capability request must be an object`);
  const extra = Object.keys(parsed).filter((key) => key !== 'op' && key !== 'args');
  if (extra.length > 0)
    throw badRequest(`${pluginId}: capability request has unknown field ${quote(extra[0] ?? '')}`);
  const { op, args } = parsed;
  if (!isOp(op)) {
    throw badRequest(
      `${pluginId}: unknown capability operation ${typeof op === 'string' ? quote(op) : String(op)}`,
    );
  }
  if (!isRecord(args)) throw badRequest(`${pluginId}: ${op} arguments must be an object`);
  const spec: Readonly<Record<string, Field>> = SPEC[op];
  for (const key of Object.keys(args)) {
    if (!Object.hasOwn(spec, key)) throw badRequest(`${pluginId}: ${op} has unknown argument ${quote(key)}`);
  }
  for (const [name, field] of Object.entries(spec)) {
    const value = args[name];
    if (value === undefined && field.optional === true) continue;
    const problem = checkField(op, name, field, value);
    if (problem !== undefined) throw badRequest(`${pluginId}: ${problem}`);
  }
  return { op, args } as ParsedRequest;
}
