import { PLUGIN_OPS, PLUGIN_OP_KINDS, parsePluginOp } from '@roku/schemas';
import type { ParsedPluginOp, PluginManifest, PluginOpSpec } from '@roku/schemas';

type Contributes = PluginManifest['contributes'];

interface ContributionRule {
  /** The manifest declares the contribution (with this name, for named kinds). */
  declares(c: Contributes, name: string): boolean;
  /** Why an op of this contribution is not available. */
  missing(op: string, name: string, c: Contributes): string;
}

const names = (list: readonly { name: string }[] | undefined): string[] => (list ?? []).map((i) => i.name);

/** Per contribution of the ABI's op table: what the manifest must declare for its ops. */
const RULES: { readonly [C in PluginOpSpec['contribution']]: ContributionRule } = {
  tools: {
    declares: (c, name) => names(c.tools).includes(name),
    missing: (_op, name, c) => `no tool '${name}' (tools: ${names(c.tools).join(', ') || 'none'})`,
  },
  providers: {
    declares: (c, name) => names(c.providers).includes(name),
    missing: (op) => `no provider operation '${op}'`,
  },
  subagentRuntimes: {
    declares: (c, name) => names(c.subagentRuntimes).includes(name),
    missing: (_op, name) => `no subagent runtime '${name}'`,
  },
  memorySlot: {
    declares: (c) => c.memorySlot !== undefined,
    missing: (op) => `no memory operation '${op}'`,
  },
  contextEngine: {
    declares: (c) => c.contextEngine !== undefined,
    missing: (op) => `no context-engine hook '${op}'`,
  },
};

/**
 * Why `op` is not an operation the plugin's manifest declares, or undefined when it is. The known ops are the
 * ABI's (`PLUGIN_OPS`); optional slot methods pass here and the plugin itself says if it lacks them.
 */
export function unknownOp(
  manifest: PluginManifest,
  op: string,
  parsed: ParsedPluginOp | undefined = parsePluginOp(op),
): string | undefined {
  const c = manifest.contributes;
  if (parsed !== undefined) {
    const rule = RULES[PLUGIN_OPS[parsed.kind].contribution];
    const name = parsed.name ?? '';
    return rule.declares(c, name) ? undefined : rule.missing(op, name, c);
  }
  // A known prefix with another shape or method: the contribution has no such operation.
  const [prefix = '', name = ''] = op.split(':');
  const kind = PLUGIN_OP_KINDS.find((k) => PLUGIN_OPS[k].prefix === prefix);
  return kind === undefined
    ? `unknown operation '${op}'`
    : RULES[PLUGIN_OPS[kind].contribution].missing(op, name, c);
}
