import { canonicalJson } from './canonical.js';
import type { DefinitionsInput, ToolCatalog, ToolDefinitions } from './types.js';

/** Which input of the definitions changed since the last freeze. */
export type FreezeReason = 'initial' | 'catalog' | 'plan-mode' | 'exclude' | 'loaded' | 'extra';

export interface FrozenDefinitions {
  /** The same object as last time unless the definitions' bytes changed. */
  readonly definitions: ToolDefinitions;
  /** True when `definitions` is a new object with different bytes (or the first one). */
  readonly refrozen: boolean;
  /** The input that changed, or null when nothing did (the frozen copy was reused without rebuilding). */
  readonly reason: FreezeReason | null;
}

/**
 * Tool schema freezing (spec §2.11): within a session the tool definitions stay the very same object, and so
 * the same bytes, until a dirty event: plan mode toggled, the excluded set changed, tools loaded through
 * tool_search, other pseudo-tools, or a new catalog (plugin snapshot swap). Keep one freezer per session.
 */
export interface SchemaFreezer {
  freeze(catalog: ToolCatalog, input: DefinitionsInput): FrozenDefinitions;
  /** The definitions last returned, if any. */
  current(): ToolDefinitions | undefined;
  /** Forgets the frozen copy; the next `freeze` rebuilds. */
  reset(): void;
}

interface FrozenInputs {
  readonly catalog: ToolCatalog;
  readonly planMode: boolean;
  readonly exclude: string;
  readonly loaded: string;
  readonly extra: string;
}

function setKey(set: ReadonlySet<string>): string {
  return JSON.stringify([...set].sort());
}

/**
 * Creates a freezer.
 * @example
 * const freezer = createSchemaFreezer();
 * const { definitions, refrozen } = freezer.freeze(catalog, { planMode, loaded, exclude, extra });
 */
export function createSchemaFreezer(): SchemaFreezer {
  let frozen: { inputs: FrozenInputs; definitions: ToolDefinitions } | undefined;
  return {
    freeze(catalog, input) {
      const inputs: FrozenInputs = {
        catalog,
        planMode: input.planMode,
        exclude: setKey(input.exclude),
        loaded: setKey(input.loaded),
        extra: canonicalJson(input.extra),
      };
      const previous = frozen;
      let reason: FreezeReason | null = null;
      if (previous === undefined) reason = 'initial';
      else if (previous.inputs.catalog !== catalog) reason = 'catalog';
      else if (previous.inputs.planMode !== inputs.planMode) reason = 'plan-mode';
      else if (previous.inputs.exclude !== inputs.exclude) reason = 'exclude';
      else if (previous.inputs.loaded !== inputs.loaded) reason = 'loaded';
      else if (previous.inputs.extra !== inputs.extra) reason = 'extra';
      if (previous !== undefined && reason === null) {
        return { definitions: previous.definitions, refrozen: false, reason: null };
      }
      const built = catalog.definitions(input);
      // Equal bytes (say, a loaded tool that was visible anyway): keep the old object, nothing re-froze.
      const definitions =
        previous !== undefined && previous.definitions.json === built.json ? previous.definitions : built;
      frozen = { inputs, definitions };
      return { definitions, refrozen: definitions !== previous?.definitions, reason };
    },
    current: () => frozen?.definitions,
    reset: () => {
      frozen = undefined;
    },
  };
}
