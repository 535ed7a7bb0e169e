import type { CatalogToolInput } from './types.js';

/** Names the model may use for a tool (OpenAI and Anthropic accept the same set). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_TOOL_NAME_CHARS = 64;

/** The loop's pseudo-tools (spec §2.4); plugin tools never take these names. */
export const RESERVED_TOOL_NAMES: readonly string[] = Object.freeze([
  'final_answer',
  'ask_user',
  'fail',
  'Agent',
  'tool_search',
]);
/** `task_create`, `task_update`, … belong to the loop's session task list. */
export const RESERVED_TOOL_PREFIXES: readonly string[] = Object.freeze(['task_']);

const RESERVED_LOWER = new Set(RESERVED_TOOL_NAMES.map((n) => n.toLowerCase()));

/** Whether a name belongs to a pseudo-tool; case-insensitive, so that `agent` cannot pass for `Agent`. */
export function isReservedToolName(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_LOWER.has(lower) || RESERVED_TOOL_PREFIXES.some((p) => lower.startsWith(p));
}

/** `@scope/name` → `name`. */
function shortName(pluginId: string): string {
  const slash = pluginId.indexOf('/');
  return slash === -1 ? pluginId : pluginId.slice(slash + 1);
}

function sanitize(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX_TOOL_NAME_CHARS);
  return clean === '' ? 'tool' : clean;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface NamedTool {
  readonly input: CatalogToolInput;
  readonly name: string;
}

/**
 * Gives every tool a model-visible name. Tools are taken in (plugin id, tool name) order, so the result does
 * not depend on input order. A tool keeps its own name unless that name is invalid, reserved for a
 * pseudo-tool or taken by an earlier tool; then it becomes `<plugin short name>__<tool>` (sanitised, cut to
 * 64 characters, with `_2`, `_3`, … if even that is taken) and a warning says so.
 */
export function assignToolNames(tools: readonly CatalogToolInput[]): {
  named: NamedTool[];
  warnings: string[];
} {
  const sorted = [...tools].sort((a, b) =>
    a.pluginId === b.pluginId ? compare(a.toolName, b.toolName) : compare(a.pluginId, b.pluginId),
  );
  const owners = new Map<string, string>();
  const named: NamedTool[] = [];
  const warnings: string[] = [];
  const free = (name: string): boolean => !owners.has(name) && !isReservedToolName(name);
  for (const input of sorted) {
    const own = input.toolName;
    let name = own;
    if (!TOOL_NAME_PATTERN.test(own) || !free(own)) {
      const base = sanitize(`${sanitize(shortName(input.pluginId))}__${own}`);
      name = base;
      for (let n = 2; !free(name); n += 1) {
        const suffix = `_${n}`;
        name = `${base.slice(0, MAX_TOOL_NAME_CHARS - suffix.length)}${suffix}`;
      }
      const why = !TOOL_NAME_PATTERN.test(own)
        ? 'is not a valid tool name'
        : isReservedToolName(own)
          ? 'is reserved for a built-in pseudo-tool'
          : `is already used by ${owners.get(own) ?? 'another plugin'}`;
      warnings.push(
        `${input.pluginId}: tool '${own}' is shown to the model as '${name}' because '${own}' ${why}`,
      );
    }
    owners.set(name, input.pluginId);
    named.push({ input, name });
  }
  return { named, warnings };
}
