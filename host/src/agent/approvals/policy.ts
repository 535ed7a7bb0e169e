import { canonicalJson, sha256Hex } from '../catalog/canonical.js';

/** The digest an approval ticket records: sha256 (64 hex chars) of the canonical call. */
export function callDigest(tool: string, args: unknown): string {
  return sha256Hex(canonicalJson({ tool, arguments: args }));
}

export type GateVerdict =
  | { readonly kind: 'run'; readonly reason: string }
  | { readonly kind: 'ask'; readonly reason: string }
  | { readonly kind: 'deny'; readonly reason: string };

/**
 * What the approval policy says about a call, before any human is asked:
 * - deny patterns (host config) refuse, whatever else applies, auto-approve included (the system Roku grew out
 *   of let auto-approve bypass them; a pattern someone wrote down is a stronger statement than a blanket yes);
 * - a tool tagged `changed` (an MCP tool whose definition differs from the one the user approved, under
 *   `onToolChange: "ask"`) asks, auto-approve and "always allow" notwithstanding;
 * - a tool whose every risk tag is `read` runs;
 * - write / exec / network tags, and unknown tools (no tags), ask — unless auto-approve or "always allow" for
 *   this session covers them.
 */
export function classifyCall(options: {
  readonly tool: string;
  readonly args: unknown;
  readonly risk: readonly string[] | undefined;
  readonly denyPatterns: readonly RegExp[];
  readonly autoApprove: boolean;
  readonly alwaysAllowed: ReadonlySet<string>;
}): GateVerdict {
  // The canonical text is only for deny patterns; without any, a call need not be serialised at all.
  const text =
    options.denyPatterns.length === 0 ? '' : canonicalJson({ tool: options.tool, arguments: options.args });
  const hit = options.denyPatterns.find((p) => p.test(text));
  if (hit !== undefined) return { kind: 'deny', reason: `matches the deny pattern /${hit.source}/` };
  const risk = options.risk ?? [];
  if (risk.includes('changed'))
    return { kind: 'ask', reason: 'its definition changed since you approved it (see /plugins)' };
  if (options.autoApprove) return { kind: 'run', reason: 'auto-approve is on' };
  if (risk.length > 0 && risk.every((r) => r === 'read')) return { kind: 'run', reason: 'read-only tool' };
  if (options.alwaysAllowed.has(options.tool))
    return { kind: 'run', reason: 'always allowed in this session' };
  return {
    kind: 'ask',
    reason: risk.length === 0 ? 'tool has no risk tags (unknown tools ask)' : `risk: ${risk.join(', ')}`,
  };
}
