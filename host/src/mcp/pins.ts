import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What of a tool is pinned: everything the model and the approval see of it. */
export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: unknown;
  readonly annotations?: unknown;
}

/** One pinned tool: the hash of its definition and the definition, to say later what changed. */
export interface ToolPin {
  readonly hash: string;
  readonly definition: ToolDefinition;
  /** ISO time of the approval that pinned it. */
  readonly pinnedAt: string;
}

/** A tool compared with its pin: never approved, as approved, or changed since (with what changed). */
export type PinStatus =
  | { readonly kind: 'new' }
  | { readonly kind: 'same' }
  | { readonly kind: 'changed'; readonly pin: ToolPin; readonly changes: readonly string[] };

interface PinFile {
  version: 1;
  servers: Record<string, Record<string, ToolPin>>;
}

/** The pins file inside ROKU_HOME. */
export function pinsFile(home: string): string {
  return join(home, 'mcp', 'pins.json');
}

/** JSON with object keys sorted at every level, so equal definitions hash equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Hashes of the definitions seen, by object: a definition is hashed once, not at every call. */
const hashes = new WeakMap<ToolDefinition, string>();

/** sha256 of a tool's canonical definition (name, title, description, input schema, annotations). */
export function definitionHash(definition: ToolDefinition): string {
  let hash = hashes.get(definition);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonical(definition)).digest('hex');
    hashes.set(definition, hash);
  }
  return hash;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What differs between two input schemas, by field: added, removed, changed, newly or no longer required. */
function schemaChanges(before: unknown, after: unknown): string[] {
  const b = objectOf(objectOf(before).properties);
  const a = objectOf(objectOf(after).properties);
  const out: string[] = [];
  const added = Object.keys(a).filter((k) => !(k in b));
  const removed = Object.keys(b).filter((k) => !(k in a));
  const changed = Object.keys(a).filter((k) => k in b && canonical(a[k]) !== canonical(b[k]));
  if (added.length > 0) out.push(`input schema: added ${added.join(', ')}`);
  if (removed.length > 0) out.push(`input schema: removed ${removed.join(', ')}`);
  if (changed.length > 0) out.push(`input schema: changed ${changed.join(', ')}`);
  const req = (s: unknown): string[] => {
    const r = objectOf(s).required;
    return Array.isArray(r) ? r.map(String) : [];
  };
  const nowRequired = req(after).filter((k) => !req(before).includes(k) && !added.includes(k));
  if (nowRequired.length > 0) out.push(`input schema: now requires ${nowRequired.join(', ')}`);
  if (out.length === 0) {
    const strip = (s: unknown): string =>
      canonical({ ...objectOf(s), properties: undefined, required: undefined });
    if (strip(before) !== strip(after) || canonical(req(before)) !== canonical(req(after)))
      out.push('input schema: changed');
  }
  return out;
}

/** What changed between a pinned definition and the current one, in words (e.g. `description`). */
export function describeChanges(before: ToolDefinition, after: ToolDefinition): string[] {
  const out: string[] = [];
  if ((before.title ?? '') !== (after.title ?? '')) out.push('title');
  if ((before.description ?? '') !== (after.description ?? '')) out.push('description');
  out.push(...schemaChanges(before.inputSchema, after.inputSchema));
  const ba = objectOf(before.annotations);
  const aa = objectOf(after.annotations);
  const keys = [...new Set([...Object.keys(ba), ...Object.keys(aa)])].filter(
    (k) => canonical(ba[k]) !== canonical(aa[k]),
  );
  if (keys.length > 0) out.push(`annotations: ${keys.sort().join(', ')}`);
  return out.length === 0 ? ['definition'] : out;
}

/**
 * The durable record of the tool definitions a user approved (`$ROKU_HOME/mcp/pins.json`). Every read goes to
 * the file, so what another roku process pinned or reset counts at once; writes replace it atomically.
 */
export class McpPins {
  readonly file: string;
  /** The file as last read, with the stat it had: read again only when another write changed it. */
  #cache: { stamp: string; data: PinFile } | undefined;

  constructor(file: string) {
    this.file = file;
  }

  /** The pins as the file has them now. Shared with the cache: callers that change it clone it first. */
  #read(): PinFile {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${String(st.mtimeMs)}:${String(st.size)}:${String(st.ino)}`;
    } catch {
      // absent: nothing pinned yet, so every tool counts as new
      return { version: 1, servers: {} };
    }
    if (this.#cache?.stamp === stamp) return this.#cache.data;
    let data: PinFile;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<PinFile>;
      data = { version: 1, servers: objectOf(parsed.servers) as PinFile['servers'] };
    } catch {
      // unreadable: nothing counts as pinned, so every tool asks as new
      data = { version: 1, servers: {} };
    }
    this.#cache = { stamp, data };
    return data;
  }

  #write(data: PinFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** The pins of one server (all when no server is named). */
  list(server?: string): Record<string, Record<string, ToolPin>> {
    const { servers } = structuredClone(this.#read());
    if (server === undefined) return servers;
    return servers[server] === undefined ? {} : { [server]: servers[server] };
  }

  status(server: string, definition: ToolDefinition): PinStatus {
    const pin = this.#read().servers[server]?.[definition.name];
    if (pin === undefined) return { kind: 'new' };
    if (pin.hash === definitionHash(definition)) return { kind: 'same' };
    return { kind: 'changed', pin, changes: describeChanges(pin.definition, definition) };
  }

  /** Records the definition as approved. */
  pin(server: string, definition: ToolDefinition): void {
    const data = structuredClone(this.#read());
    const tools = (data.servers[server] ??= {});
    tools[definition.name] = {
      hash: definitionHash(definition),
      definition,
      pinnedAt: new Date().toISOString(),
    };
    this.#write(data);
  }

  /** Forgets the pins of a server (or of one of its tools): the next approval pins again. Returns how many. */
  reset(server: string, tool?: string): number {
    const data = structuredClone(this.#read());
    const tools = data.servers[server];
    if (tools === undefined) return 0;
    let removed = 0;
    if (tool === undefined) {
      removed = Object.keys(tools).length;
      data.servers = Object.fromEntries(Object.entries(data.servers).filter(([k]) => k !== server));
    } else if (tools[tool] !== undefined) {
      removed = 1;
      data.servers[server] = Object.fromEntries(Object.entries(tools).filter(([k]) => k !== tool));
    }
    if (removed > 0) this.#write(data);
    return removed;
  }
}
