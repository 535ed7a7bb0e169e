import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { pluginOp } from '@roku/schemas';
import type { LiveModel } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { MAX_LIVE_MODELS, checkLiveModels } from '../../plugins/live-models.js';
import type { PlainJson } from '../../sandbox/safe-json.js';
import type { SnapshotPlugin } from './snapshot.js';

/** How long a provider's live list is trusted before it is asked again. */
const LIVE_TTL_MS = 60 * 60 * 1000;
/** How long a failed ask is remembered, so that a server that is down does not slow down every start. */
const FAILURE_TTL_MS = 5 * 60 * 1000;
/** Longest a snapshot build waits for one provider's list; after that the manifest's list is used. */
const LIVE_TIMEOUT_MS = 5000;
/** What the host's refusal of a placeholder without a value says (capabilities/net/outgoing.ts). */
const MISSING_SECRET = 'the host has no value for it';

export interface LiveModelsOptions {
  readonly home: string;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

export interface LiveModelLists {
  /** Checked live lists by {@link liveKey}. */
  readonly lists: ReadonlyMap<string, readonly LiveModel[]>;
  /** One sentence per provider whose list could not be had (the manifest's list is used instead). */
  readonly warnings: readonly string[];
}

/** What one cache file holds: the plugin's identity key, when it was asked, and its list or its failure. */
interface CacheRecord {
  readonly key: string;
  readonly fetchedAt: number;
  readonly models?: PlainJson;
  readonly problem?: string;
}

export function liveKey(pluginId: string, provider: string): string {
  return `${pluginId}\u0000${provider}`;
}

function cacheDir(home: string): string {
  return join(home, 'cache', 'models');
}

function cacheFile(home: string, pluginId: string, provider: string): string {
  const name = createHash('sha256').update(liveKey(pluginId, provider)).digest('hex').slice(0, 32);
  return join(cacheDir(home), `${name}.json`);
}

/** `roku models --refresh`: forgets every provider's cached live list, so the next snapshot asks again. */
export function clearLiveModelCache(home: string): void {
  rmSync(cacheDir(home), { recursive: true, force: true });
}

function readCache(file: string, key: string, now: number): CacheRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheRecord> | null;
    if (record?.key !== key || typeof record.fetchedAt !== 'number') return undefined;
    const ttl = typeof record.problem === 'string' ? FAILURE_TTL_MS : LIVE_TTL_MS;
    const age = now - record.fetchedAt;
    return age >= 0 && age < ttl ? (record as CacheRecord) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, record: CacheRecord, logger: Logger): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
    renameSync(temp, file);
  } catch (err) {
    logger.warn({ err }, 'live model list not cached');
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = (err as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' ? message : String(err);
  return `${typeof code === 'string' ? `${code}: ` : ''}${text}`.slice(0, 500);
}

/** Asks one provider for its list, within the timeout; resolves to the checked list or what went wrong. */
async function ask(
  plugin: SnapshotPlugin,
  provider: string,
  timeoutMs: number,
): Promise<{ models: LiveModel[]; dropped: string[] } | { problem: string }> {
  const dropped: string[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    // In case the sandbox does not end the call on abort: the build must not wait on a hostile plugin.
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs + 250);
  });
  try {
    const models = await Promise.race([
      callPlugin(
        plugin.sandbox,
        pluginOp('provider.models', provider),
        { limit: MAX_LIVE_MODELS },
        {
          config: plugin.settings,
          signal,
          onDropped: (problem) => {
            dropped.push(problem);
          },
        },
      ),
      late,
    ]);
    return { models, dropped };
  } catch (err) {
    return { problem: signal.aborted ? `no answer within ${timeoutMs} ms` : describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The live model lists of the providers that declare `liveModels`, from the cache under ROKU_HOME while it is
 * fresh (same plugin code, grants and settings), else asked in parallel with a timeout. A provider that
 * fails, times out or answers something invalid keeps its manifest's list and yields a warning; nothing here
 * throws, and no turn ever waits on it (it runs while a snapshot is built).
 */
export async function loadLiveModels(
  plugins: readonly SnapshotPlugin[],
  options: LiveModelsOptions,
): Promise<LiveModelLists> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? LIVE_TIMEOUT_MS;
  const lists = new Map<string, readonly LiveModel[]>();
  const warnings: string[] = [];
  const jobs: Promise<void>[] = [];
  for (const plugin of plugins) {
    const id = plugin.manifest.id;
    for (const provider of plugin.manifest.contributes.providers ?? []) {
      if (provider.liveModels !== true) continue;
      const file = cacheFile(options.home, id, provider.name);
      const warn = (problem: string): void => {
        warnings.push(
          `${id}: the live model list of provider '${provider.name}' is not available (${problem}); its manifest's models are used (roku models --refresh asks again)`,
        );
      };
      const use = (raw: PlainJson | undefined): void => {
        const checked = checkLiveModels(raw ?? null, { limit: MAX_LIVE_MODELS });
        if (!checked.ok) {
          warn(`the list returned ${checked.problem}`);
          return;
        }
        lists.set(liveKey(id, provider.name), checked.value);
      };
      const cached = readCache(file, plugin.key, now());
      if (cached !== undefined) {
        if (cached.problem !== undefined) warn(cached.problem);
        else use(cached.models);
        continue;
      }
      jobs.push(
        ask(plugin, provider.name, timeoutMs).then((answer) => {
          const record: CacheRecord =
            'models' in answer
              ? { key: plugin.key, fetchedAt: now(), models: answer.models as unknown as PlainJson }
              : { key: plugin.key, fetchedAt: now(), problem: answer.problem };
          // A missing key is fixed by `roku auth set`, which the cache cannot see: that failure is not kept.
          if ('models' in answer || !answer.problem.includes(MISSING_SECRET)) {
            writeCache(file, record, options.logger);
          }
          if ('models' in answer) {
            use(record.models);
            if (answer.dropped.length > 0) {
              warnings.push(
                `${id}: provider '${provider.name}' listed invalid models, left out: ${answer.dropped.join('; ')}`,
              );
            }
          } else {
            options.logger.warn({ pluginId: id, provider: provider.name }, 'live model list not available');
            warn(answer.problem);
          }
        }),
      );
    }
  }
  await Promise.all(jobs);
  return { lists, warnings };
}
