import type { PluginManifest } from '@roku/schemas';
import type { PlainJson } from './safe-json.js';

function names(value: PlainJson | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').sort() : [];
}

function diff(kind: string, declared: string[], implemented: string[]): string[] {
  const missing = declared.filter((n) => !implemented.includes(n));
  const extra = implemented.filter((n) => !declared.includes(n));
  return [
    ...missing.map((n) => `${kind} '${n}' is declared but not implemented`),
    ...extra.map((n) => `${kind} '${n}' is implemented but not declared`),
  ];
}

/**
 * Compares what a plugin's code describes with what its manifest declares; a plugin may register only what
 * it declared, and must implement all of it. Returns one sentence per difference.
 */
export function describeMismatch(manifest: PluginManifest, description: PlainJson): string[] {
  if (typeof description !== 'object' || description === null || Array.isArray(description)) {
    return ['the plugin did not describe itself with an object'];
  }
  const c = manifest.contributes;
  const slot = (v: PlainJson | undefined): string[] => (typeof v === 'string' ? [v] : []);
  return [
    ...(description.abi === 1
      ? []
      : [`ABI version ${JSON.stringify(description.abi ?? null)} is not supported (expected 1)`]),
    ...diff('tool', (c.tools ?? []).map((t) => t.name).sort(), names(description.tools)),
    ...diff('provider', (c.providers ?? []).map((p) => p.name).sort(), names(description.providers)),
    ...diff(
      'memory slot',
      c.memorySlot === undefined ? [] : [c.memorySlot.name],
      slot(description.memorySlot),
    ),
    ...diff(
      'context engine',
      c.contextEngine === undefined ? [] : [c.contextEngine.name],
      slot(description.contextEngine),
    ),
    ...diff(
      'subagent runtime',
      (c.subagentRuntimes ?? []).map((s) => s.name).sort(),
      names(description.subagentRuntimes),
    ),
  ];
}
