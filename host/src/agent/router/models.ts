import { RokuError, nearestName } from '@roku/schemas';
import type { LiveModel, ModelDescriptor } from '@roku/schemas';
import type { ModelEntry, ModelSource, ProviderBinding, SelectRequest } from './types.js';

/** The models of one plugin snapshot, addressable by ref and by bare model id. */
export interface ModelTable {
  /** Sorted by ref. */
  readonly entries: readonly ModelEntry[];
  readonly byRef: ReadonlyMap<string, { readonly entry: ModelEntry; readonly binding: ProviderBinding }>;
  readonly warnings: readonly string[];
}

/** `@scope/name` → `name`. */
export function pluginShortName(pluginId: string): string {
  const slash = pluginId.indexOf('/');
  return slash === -1 ? pluginId : pluginId.slice(slash + 1);
}

/** Context window of a live model that reports none and that no manifest entry describes: a small, safe guess. */
const LIVE_DEFAULT_CONTEXT_WINDOW = 8192;

/**
 * The manifest's models, each completed with the fields only its live entry has, then the live models the
 * manifest does not name. A live-only model without a context window gets the smallest of the manifest's (the
 * plugin author's guess for this upstream), else {@link LIVE_DEFAULT_CONTEXT_WINDOW}.
 */
function mergeLive(
  declared: readonly ModelDescriptor[],
  live: readonly LiveModel[],
): { model: ModelDescriptor; source: ModelSource }[] {
  const byId = new Map(live.map((m) => [m.id, m]));
  const out = declared.map((model): { model: ModelDescriptor; source: ModelSource } => {
    const extra = byId.get(model.id);
    if (extra === undefined) return { model, source: 'manifest' };
    const merged: ModelDescriptor = {
      ...model,
      ...(model.maxOutputTokens === undefined && extra.maxOutputTokens !== undefined
        ? { maxOutputTokens: extra.maxOutputTokens }
        : {}),
      ...((model.capabilities ?? []).length === 0 && extra.capabilities !== undefined
        ? { capabilities: [...extra.capabilities] }
        : {}),
      ...(model.costPer1kInputUsd === undefined && extra.costPer1kInputUsd !== undefined
        ? { costPer1kInputUsd: extra.costPer1kInputUsd }
        : {}),
      ...(model.costPer1kOutputUsd === undefined && extra.costPer1kOutputUsd !== undefined
        ? { costPer1kOutputUsd: extra.costPer1kOutputUsd }
        : {}),
    };
    const added = Object.keys(merged).length > Object.keys(model).length;
    return { model: merged, source: added ? 'manifest+live' : 'manifest' };
  });
  const declaredIds = new Set(declared.map((m) => m.id));
  const windows = declared.map((m) => m.contextWindow);
  const fallbackWindow = windows.length > 0 ? Math.min(...windows) : LIVE_DEFAULT_CONTEXT_WINDOW;
  for (const model of live) {
    if (declaredIds.has(model.id)) continue;
    out.push({
      model: {
        ...model,
        contextWindow: model.contextWindow ?? fallbackWindow,
        capabilities: [...(model.capabilities ?? ['streaming'])],
      },
      source: 'live',
    });
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the model table. Bindings are taken in plugin-id order so that refs do not depend on load order:
 * the first plugin to use a provider name gets `<provider>/<model>`, later ones
 * `<plugin short name>:<provider>/<model>` (with a warning).
 */
export function buildModelTable(bindings: readonly ProviderBinding[]): ModelTable {
  const sorted = [...bindings].sort((a, b) =>
    a.pluginId === b.pluginId ? compare(a.provider, b.provider) : compare(a.pluginId, b.pluginId),
  );
  const providerOwner = new Map<string, string>();
  const byRef = new Map<string, { entry: ModelEntry; binding: ProviderBinding }>();
  const warnings: string[] = [];
  for (const binding of sorted) {
    const owner = providerOwner.get(binding.provider);
    let prefix = binding.provider;
    if (owner === undefined) {
      providerOwner.set(binding.provider, binding.pluginId);
    } else if (owner !== binding.pluginId) {
      prefix = `${pluginShortName(binding.pluginId)}:${binding.provider}`;
      warnings.push(
        `${binding.pluginId}: provider name '${binding.provider}' is also used by ${owner}; its models are named '${prefix}/<model>'`,
      );
    }
    for (const { model, source } of mergeLive(binding.models, binding.live ?? [])) {
      const ref = `${prefix}/${model.id}`;
      if (byRef.has(ref)) {
        warnings.push(`${binding.pluginId}: model '${ref}' is declared twice; the first declaration is used`);
        continue;
      }
      const entry: ModelEntry = Object.freeze({
        ref,
        pluginId: binding.pluginId,
        provider: binding.provider,
        modelId: model.id,
        contextWindow: model.contextWindow,
        maxOutputTokens: model.maxOutputTokens ?? null,
        capabilities: Object.freeze([...(model.capabilities ?? [])]),
        costPer1kInputUsd: model.costPer1kInputUsd ?? null,
        costPer1kOutputUsd: model.costPer1kOutputUsd ?? null,
        source,
      });
      byRef.set(ref, { entry, binding });
    }
  }
  const entries = [...byRef.values()].map((v) => v.entry).sort((a, b) => compare(a.ref, b.ref));
  return { entries, byRef, warnings };
}

function noProvider(): RokuError {
  return new RokuError(
    'ROKU_NO_PROVIDER',
    'no LLM provider plugin is loaded; install one (roku plugin install @roku/plugin-provider-scripted)',
  );
}

/**
 * Finds a model by ref or bare model id.
 * @throws ROKU_NO_PROVIDER, ROKU_MODEL_NOT_FOUND
 */
export function resolveModelIn(table: ModelTable, ref: string): ModelEntry {
  if (table.entries.length === 0) throw noProvider();
  const exact = table.byRef.get(ref);
  if (exact !== undefined) return exact.entry;
  const matches = table.entries.filter((e) => e.modelId === ref);
  const [only] = matches;
  if (only !== undefined && matches.length === 1) return only;
  if (matches.length > 1) {
    const candidates = matches.map((e) => e.ref);
    throw new RokuError(
      'ROKU_MODEL_NOT_FOUND',
      `model '${ref}' is offered by several providers; name one of: ${candidates.join(', ')}`,
      { details: { model: ref, candidates } },
    );
  }
  const refs = table.entries.map((e) => e.ref);
  const near = nearestName(ref, [...refs, ...table.entries.map((e) => e.modelId)]);
  const listed = refs.length > 20 ? `${refs.slice(0, 20).join(', ')}, …` : refs.join(', ');
  throw new RokuError(
    'ROKU_MODEL_NOT_FOUND',
    `no loaded provider offers model '${ref}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; available: ${listed}`,
    { details: { model: ref, available: refs } },
  );
}

/** Estimated USD of a request on a model, for ranking; undeclared prices count as 0. */
function rankingCost(entry: ModelEntry, promptTokens: number, outputTokens: number): number {
  return (
    ((entry.costPer1kInputUsd ?? 0) * promptTokens + (entry.costPer1kOutputUsd ?? 0) * outputTokens) / 1000
  );
}

function tokens(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}

/**
 * Spec §5.5: an explicit model is used when the request fits its context window (its breaker is left to
 * `chat`, which fails fast when open); otherwise the fitting models whose breaker admits a request, cheapest
 * estimated cost first, ties by ref.
 * @throws ROKU_NO_PROVIDER, ROKU_MODEL_NOT_FOUND, ROKU_NO_ELIGIBLE_MODEL
 */
export function selectIn(
  table: ModelTable,
  request: SelectRequest,
  unavailable: (entry: ModelEntry) => string | undefined,
): ModelEntry {
  if (table.entries.length === 0) throw noProvider();
  const prompt = tokens(request.estimatedPromptTokens);
  const output = tokens(request.expectedOutputTokens);
  const needed = prompt + output;
  const tooSmall = (entry: ModelEntry): string | undefined =>
    needed > entry.contextWindow
      ? `its context window of ${entry.contextWindow} tokens is smaller than the about ${needed} tokens the request needs (prompt ${prompt} + output ${output})`
      : undefined;
  if (request.model !== undefined && request.model !== '') {
    const entry = resolveModelIn(table, request.model);
    const reason = tooSmall(entry);
    if (reason === undefined) return entry;
    throw new RokuError('ROKU_NO_ELIGIBLE_MODEL', `model ${entry.ref} cannot take this request: ${reason}`, {
      details: { model: entry.ref, neededTokens: needed, reasons: [{ ref: entry.ref, reason }] },
    });
  }
  const reasons: { ref: string; reason: string }[] = [];
  const eligible: ModelEntry[] = [];
  for (const entry of table.entries) {
    const reason = tooSmall(entry) ?? unavailable(entry);
    if (reason === undefined) eligible.push(entry);
    else reasons.push({ ref: entry.ref, reason });
  }
  eligible.sort((a, b) => {
    const diff = rankingCost(a, prompt, output) - rankingCost(b, prompt, output);
    return diff !== 0 ? diff : compare(a.ref, b.ref);
  });
  const [best] = eligible;
  if (best !== undefined) return best;
  throw new RokuError(
    'ROKU_NO_ELIGIBLE_MODEL',
    `no loaded model can take this request (about ${needed} tokens): ${reasons.map((r) => `${r.ref}: ${r.reason}`).join('; ')}`,
    { details: { neededTokens: needed, reasons } },
  );
}

const SETTINGS_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

/**
 * Models a provider plugin's settings add to its manifest's (`settings.models`, for servers whose models only
 * the user knows, like an OpenAI-compatible one). The plugin's configSchema has validated the settings; this
 * keeps only well-formed entries, so a plugin without such a setting adds nothing.
 */
export function settingsModels(settings: unknown): ModelDescriptor[] {
  const list =
    typeof settings === 'object' && settings !== null ? (settings as { models?: unknown }).models : undefined;
  if (!Array.isArray(list)) return [];
  const models: ModelDescriptor[] = [];
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const m = item as Record<string, unknown>;
    const id = m.id;
    const window = m.contextWindow;
    if (typeof id !== 'string' || !SETTINGS_MODEL_ID.test(id)) continue;
    if (typeof window !== 'number' || !Number.isInteger(window) || window < 1024) continue;
    const number = (key: string): number | undefined => {
      const value = m[key];
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
    };
    const maxOutputTokens = number('maxOutputTokens');
    const input = number('costPer1kInputUsd');
    const output = number('costPer1kOutputUsd');
    models.push({
      id,
      contextWindow: window,
      capabilities: ['streaming', 'tools', 'output-slot-cap'],
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(input === undefined ? {} : { costPer1kInputUsd: input }),
      ...(output === undefined ? {} : { costPer1kOutputUsd: output }),
    });
  }
  return models;
}
