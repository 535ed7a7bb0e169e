import type { PluginOpKind } from './abi.js';

// How the host's calls into a plugin are spelled on the wire. `PluginOps` (abi.ts) types each kind; this table
// says which contribution it serves and how its op string reads, so that the sandbox's op check and the SDK's
// dispatch table derive from one place.

/** How an op kind is spelled on the wire and which manifest contribution it belongs to. */
export interface PluginOpSpec {
  /** First segment of the op string. */
  readonly prefix: 'tool' | 'provider' | 'memory' | 'context' | 'subagent';
  /** The `contributes` entry of the manifest (and the SDK's plugin definition) it serves. */
  readonly contribution: 'tools' | 'providers' | 'memorySlot' | 'contextEngine' | 'subagentRuntimes';
  /** Named ops carry the contribution's name (`tool:<name>`); slot ops do not (`memory:recall`). */
  readonly named: boolean;
  /** Last segment (`chat`, `recall`, …); tools have none. */
  readonly method: string | null;
  /** A plugin may leave it out (the SDK then answers ROKU_PLUGIN_NO_SUCH_OP). */
  readonly optional: boolean;
}

/** Every op kind, spelled out: the one table the sandbox's op check and the SDK's dispatch derive from. */
export const PLUGIN_OPS = {
  tool: { prefix: 'tool', contribution: 'tools', named: true, method: null, optional: false },
  'provider.chat': {
    prefix: 'provider',
    contribution: 'providers',
    named: true,
    method: 'chat',
    optional: false,
  },
  'provider.models': {
    prefix: 'provider',
    contribution: 'providers',
    named: true,
    method: 'models',
    optional: true,
  },
  'memory.recall': {
    prefix: 'memory',
    contribution: 'memorySlot',
    named: false,
    method: 'recall',
    optional: false,
  },
  'memory.write': {
    prefix: 'memory',
    contribution: 'memorySlot',
    named: false,
    method: 'write',
    optional: false,
  },
  'memory.forget': {
    prefix: 'memory',
    contribution: 'memorySlot',
    named: false,
    method: 'forget',
    optional: true,
  },
  'memory.list': {
    prefix: 'memory',
    contribution: 'memorySlot',
    named: false,
    method: 'list',
    optional: true,
  },
  'context.beforeRequest': {
    prefix: 'context',
    contribution: 'contextEngine',
    named: false,
    method: 'beforeRequest',
    optional: false,
  },
  'context.compact': {
    prefix: 'context',
    contribution: 'contextEngine',
    named: false,
    method: 'compact',
    optional: true,
  },
  'subagent.run': {
    prefix: 'subagent',
    contribution: 'subagentRuntimes',
    named: true,
    method: 'run',
    optional: false,
  },
} as const satisfies { readonly [K in PluginOpKind]: PluginOpSpec };

/** Every op kind, in a stable order. */
export const PLUGIN_OP_KINDS = Object.keys(PLUGIN_OPS) as readonly PluginOpKind[];

declare const pluginOpKind: unique symbol;

/**
 * An op string that remembers its kind (like a typed proxy identifier), so a call through it knows its input
 * and result types. Build one with {@link pluginOp}; a plain string is not one.
 */
export type PluginOp<K extends PluginOpKind = PluginOpKind> = string & { readonly [pluginOpKind]: K };

/** The contribution name a named kind needs (`tool`, `provider.chat`, `subagent.run`); none for slot ops. */
export type PluginOpNameArgs<K extends PluginOpKind> = K extends PluginOpKind
  ? (typeof PLUGIN_OPS)[K]['named'] extends true
    ? [name: string]
    : []
  : never;

/**
 * The op string of a kind, untyped (the SDK's dispatch table keys its handlers with it); `name` counts for
 * named kinds only. Prefer {@link pluginOp}.
 */
export function formatPluginOp(kind: PluginOpKind, name: string | null): string {
  const spec: PluginOpSpec = PLUGIN_OPS[kind];
  const parts: string[] = [spec.prefix];
  if (spec.named) parts.push(name ?? '');
  if (spec.method !== null) parts.push(spec.method);
  return parts.join(':');
}

/**
 * The op string of a kind, typed: `pluginOp('tool', 'echo')` is `tool:echo`, `pluginOp('provider.chat',
 * 'openai')` is `provider:openai:chat`, `pluginOp('memory.recall')` is `memory:recall`.
 */
export function pluginOp<K extends PluginOpKind>(kind: K, ...name: PluginOpNameArgs<K>): PluginOp<K> {
  return formatPluginOp(kind, name[0] ?? null) as PluginOp<K>;
}

/** An op string read back: its kind, and the contribution name for named kinds. */
export type ParsedPluginOp = {
  readonly [K in PluginOpKind]: { readonly kind: K; readonly name: string | null; readonly op: PluginOp<K> };
}[PluginOpKind];

/** Reads an op string; undefined when it is not one of {@link PLUGIN_OPS} (unknown prefix, method or shape). */
export function parsePluginOp(op: string): ParsedPluginOp | undefined {
  const parts = op.split(':');
  for (const kind of PLUGIN_OP_KINDS) {
    const spec: PluginOpSpec = PLUGIN_OPS[kind];
    if (parts[0] !== spec.prefix) continue;
    const name = spec.named ? parts[1] : null;
    const method = parts[spec.named ? 2 : 1];
    const length = 1 + (spec.named ? 1 : 0) + (spec.method === null ? 0 : 1);
    if (parts.length !== length || name === '' || (method ?? null) !== spec.method) continue;
    return { kind, name: name ?? null, op: op as PluginOp } as ParsedPluginOp;
  }
  return undefined;
}
