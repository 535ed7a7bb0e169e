import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest } from '@roku/schemas';

/** A fall in cache-read tokens is a break only above both thresholds (spec §2.11, §7.2). */
export const CACHE_BREAK_RELATIVE = 0.05;
export const CACHE_BREAK_ABSOLUTE_TOKENS = 2000;

/** What the previous model call read from the prompt cache, and what its prefix was made of. */
export interface CacheBaseline {
  readonly cacheReadTokens: number;
  readonly system: string;
  readonly tools: string;
  readonly model: string;
}

export interface CacheBreak {
  readonly reason: string;
  readonly tokensLost: number;
  readonly componentChanged: 'system_prompt' | 'tool_schema' | 'model' | 'unknown';
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The fingerprint of a request's cacheable prefix: static system prompt, tool definitions, model. */
export function cacheBaseline(request: ChatRequest, model: string, cacheReadTokens: number): CacheBaseline {
  const system = request.messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  return { cacheReadTokens, system: hash(system), tools: hash(JSON.stringify(request.tools ?? [])), model };
}

/**
 * Compares a call's cache reads with the previous call's. `afterCompaction`: the buffer was rewritten since,
 * so a fall is expected and the baseline just resets.
 */
export function detectCacheBreak(
  previous: CacheBaseline | undefined,
  current: CacheBaseline,
  afterCompaction: boolean,
): CacheBreak | undefined {
  if (previous === undefined || afterCompaction) return undefined;
  const lost = previous.cacheReadTokens - current.cacheReadTokens;
  if (lost <= CACHE_BREAK_ABSOLUTE_TOKENS || lost <= previous.cacheReadTokens * CACHE_BREAK_RELATIVE)
    return undefined;
  const componentChanged =
    previous.model !== current.model
      ? 'model'
      : previous.system !== current.system
        ? 'system_prompt'
        : previous.tools !== current.tools
          ? 'tool_schema'
          : 'unknown';
  return {
    reason: `cache-read tokens fell from ${previous.cacheReadTokens} to ${current.cacheReadTokens} without a compaction`,
    tokensLost: lost,
    componentChanged,
  };
}

/** Writes `<dir>/cache-break-<ts>.txt` (reason, tokens lost, component, fingerprints); returns its path. */
export function writeCacheBreakDiagnostic(
  dir: string,
  found: CacheBreak,
  previous: CacheBaseline,
  current: CacheBaseline,
  ids: { readonly runId: string; readonly sessionId: string; readonly step: number },
  now: Date = new Date(),
): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `cache-break-${now.toISOString().replace(/[:.]/g, '-')}.txt`);
  const lines = [
    `time: ${now.toISOString()}`,
    `session: ${ids.sessionId}`,
    `run: ${ids.runId}`,
    `step: ${ids.step}`,
    `reason: ${found.reason}`,
    `tokens_lost: ${found.tokensLost}`,
    `component_changed: ${found.componentChanged}`,
    `model: ${previous.model} -> ${current.model}`,
    `system_prompt_hash: ${previous.system} -> ${current.system}`,
    `tool_schema_hash: ${previous.tools} -> ${current.tools}`,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}
