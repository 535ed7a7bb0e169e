import type { LiveModel, ModelCapability } from '@roku/schemas';
import type { PlainJson } from '../sandbox/safe-json.js';
import type { Checked } from './answers.js';

/** Most models one `provider.models` answer may list; the host asks for at most this many. */
export const MAX_LIVE_MODELS = 500;

/** The manifest's model id rule: what a live id must look like to become part of a model ref. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
const CAPABILITIES: ReadonlySet<string> = new Set<ModelCapability>([
  'streaming',
  'tools',
  'vision',
  'json',
  'reasoning',
  'prompt-cache',
  'compact-history',
  'output-slot-cap',
]);
/** A price above this per 1000 tokens is not a price but a bug (or a trap for the router's ranking). */
const MAX_PRICE_PER_1K_USD = 1000;
/** Dropped entries named one by one; the rest are counted. */
const NAMED_DROPS = 5;

function integerIn(value: PlainJson | undefined, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** One entry rebuilt from its known fields, or what is wrong with it. */
function liveModel(raw: PlainJson | undefined): LiveModel | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'is not an object';
  const { id, contextWindow, maxOutputTokens, capabilities, costPer1kInputUsd, costPer1kOutputUsd } = raw;
  if (typeof id !== 'string' || !MODEL_ID.test(id)) {
    return `id must be a model id (${MODEL_ID.source})`;
  }
  if (contextWindow !== undefined && !integerIn(contextWindow, 1024, 2_000_000)) {
    return `${id}: contextWindow must be an integer from 1024 to 2000000`;
  }
  if (maxOutputTokens !== undefined && !integerIn(maxOutputTokens, 1, 1_000_000)) {
    return `${id}: maxOutputTokens must be an integer from 1 to 1000000`;
  }
  if (
    capabilities !== undefined &&
    (!Array.isArray(capabilities) ||
      capabilities.length > CAPABILITIES.size ||
      !capabilities.every((c) => typeof c === 'string' && CAPABILITIES.has(c)) ||
      new Set(capabilities).size !== capabilities.length)
  ) {
    return `${id}: capabilities must be distinct known capabilities (${[...CAPABILITIES].join(', ')})`;
  }
  for (const [key, price] of [
    ['costPer1kInputUsd', costPer1kInputUsd],
    ['costPer1kOutputUsd', costPer1kOutputUsd],
  ] as const) {
    if (
      price !== undefined &&
      (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > MAX_PRICE_PER_1K_USD)
    ) {
      return `${id}: ${key} must be a number from 0 to ${MAX_PRICE_PER_1K_USD}`;
    }
  }
  return {
    id,
    ...(typeof contextWindow === 'number' ? { contextWindow } : {}),
    ...(typeof maxOutputTokens === 'number' ? { maxOutputTokens } : {}),
    ...(Array.isArray(capabilities) ? { capabilities: capabilities as ModelCapability[] } : {}),
    ...(typeof costPer1kInputUsd === 'number' ? { costPer1kInputUsd } : {}),
    ...(typeof costPer1kOutputUsd === 'number' ? { costPer1kOutputUsd } : {}),
  };
}

/**
 * A provider's live model list, checked strictly (a plugin is hostile, and so is the server behind it): a
 * list of at most `limit` entries; entries with a bad id, an unknown capability or a number out of the
 * manifest's range are dropped and named, repeated ids keep their first entry; an answer without one valid
 * entry, or longer than the limit, is refused as a whole.
 */
export function checkLiveModels(value: PlainJson, input: { limit: number }): Checked<LiveModel[]> {
  if (!Array.isArray(value)) return { ok: false, problem: 'no list of models' };
  const limit = Math.min(input.limit, MAX_LIVE_MODELS);
  if (value.length > limit) {
    return { ok: false, problem: `a list of ${value.length} models, more than the limit of ${limit}` };
  }
  const models: LiveModel[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  value.forEach((raw, index) => {
    const model = liveModel(raw);
    if (typeof model === 'string') problems.push(`model ${index}: ${model}`);
    else if (seen.has(model.id)) problems.push(`model ${index}: ${model.id} is listed twice`);
    else {
      seen.add(model.id);
      models.push(model);
    }
  });
  if (models.length === 0 && value.length > 0) {
    return { ok: false, problem: `no valid model (${problems.slice(0, NAMED_DROPS).join('; ')})` };
  }
  const dropped = problems.slice(0, NAMED_DROPS);
  if (problems.length > NAMED_DROPS) dropped.push(`${problems.length - NAMED_DROPS} more invalid models`);
  return { ok: true, value: models, dropped };
}
