import type { MemoryRecord, PluginManifest } from '@roku/schemas';
import type { TestPlugin } from '../test-host.js';
import { ensure, errorCodes, preview } from './check.js';
import type { Check } from './check.js';
import type { SuiteEnv } from './env.js';

/** What the memory suite works on: the plugin loaded as its manifest asks. */
interface MemoryContext {
  readonly env: SuiteEnv;
  readonly plugin: TestPlugin;
}

async function write(ctx: MemoryContext, plugin: TestPlugin, scope: Scope, records: MemoryRecord[]) {
  await plugin.call('memory:write', { ...scope, records }, ctx.env.settings);
}

async function recall(
  ctx: MemoryContext,
  plugin: TestPlugin,
  scope: Scope,
  query: string,
  limit = 8,
): Promise<MemoryRecord[]> {
  const value = await plugin.call('memory:recall', { ...scope, query, limit }, ctx.env.settings);
  ensure(
    Array.isArray(value),
    `memory:recall returned ${preview(value)}, not an array of records`,
    'return MemoryRecord[] ({ text, id?, tags?, score? }) from recall',
  );
  for (const [i, record] of value.entries()) {
    const text = (record as { text?: unknown } | null)?.text;
    ensure(
      typeof text === 'string',
      `memory:recall returned ${preview(record)} at [${i}]: a record needs a string text`,
      'return records of the shape { text: string, id?, tags?, score? }',
    );
  }
  return value as unknown as MemoryRecord[];
}

type Scope = { sessionId: string; workspaceId?: string };

const has = (records: readonly MemoryRecord[], text: string): boolean => records.some((r) => r.text === text);

/** Is the op missing from the plugin (the SDK answers ROKU_PLUGIN_NO_SUCH_OP)? */
function isMissingOp(err: unknown): boolean {
  const { code, pluginCode } = errorCodes(err);
  return pluginCode === 'ROKU_PLUGIN_NO_SUCH_OP' || code === 'ROKU_PLUGIN_NO_SUCH_OP';
}

/** A tight storage quota for the quota check: 32 KiB of key-value storage, the smallest SQL database. */
function tightQuota(manifest: PluginManifest) {
  const capabilities = manifest.permissions?.capabilities;
  return {
    grants: { limits: { storageBytes: 32_768 } },
    ...(capabilities?.sql === undefined
      ? {}
      : {
          permissions: {
            ...manifest.permissions,
            capabilities: { ...capabilities, sql: { ...capabilities.sql, maxBytes: 65_536 } },
          },
        }),
  };
}

const CHECKS: readonly Check<MemoryContext>[] = [
  {
    name: 'recalls what it stored',
    async run(ctx) {
      const scope = { sessionId: 'conformance-recall', workspaceId: 'ws-recall' };
      const stored = 'The deploy key rotates every Tuesday at noon';
      await write(ctx, ctx.plugin, scope, [{ text: stored, tags: ['ops'] }, { text: 'Alice prefers tabs' }]);
      const found = await recall(ctx, ctx.plugin, scope, 'deploy key rotates');
      ensure(
        has(found, stored),
        `after memory:write of ${preview(stored)}, memory:recall("deploy key rotates") returned ${preview(found.map((r) => r.text))}`,
        'store every record memory:write is given (in the session it names) and return it, text unchanged, from a recall whose words it contains',
      );
    },
  },
  {
    name: 'returns at most the limit asked for',
    async run(ctx) {
      const scope = { sessionId: 'conformance-limit', workspaceId: 'ws-limit' };
      const records = Array.from({ length: 6 }, (_, i) => ({ text: `limit probe record number ${i}` }));
      await write(ctx, ctx.plugin, scope, records);
      const found = await recall(ctx, ctx.plugin, scope, 'limit probe record', 2);
      ensure(
        found.length <= 2,
        `memory:recall with limit 2 returned ${found.length} records`,
        'return at most `limit` records from recall (the best ones first)',
      );
    },
  },
  {
    name: 'isolates sessions',
    async run(ctx) {
      const secret = 'zebra crossing code 4471 belongs to session A';
      await write(ctx, ctx.plugin, { sessionId: 'conformance-a', workspaceId: 'ws-shared' }, [
        { text: secret },
      ]);
      const other = await recall(
        ctx,
        ctx.plugin,
        { sessionId: 'conformance-b', workspaceId: 'ws-shared' },
        'zebra crossing code',
      );
      ensure(
        !has(other, secret),
        `a record written in session conformance-a (no scope given) was recalled in session conformance-b`,
        'key records by the sessionId of the call: a record written without a scope belongs to its session only',
      );
    },
  },
  {
    name: 'isolates workspaces (users)',
    async run(ctx) {
      const secret = 'the staging password hint is heron';
      await write(ctx, ctx.plugin, { sessionId: 'conformance-ws1', workspaceId: 'ws-one' }, [
        { text: secret, scope: 'workspace' },
      ]);
      const other = await recall(
        ctx,
        ctx.plugin,
        { sessionId: 'conformance-ws2', workspaceId: 'ws-two' },
        'staging password hint',
      );
      ensure(
        !has(other, secret),
        `a record written with scope "workspace" in workspace ws-one was recalled by a session of workspace ws-two`,
        'key workspace records by the workspaceId of the call; only scope "user" records may be shared across workspaces',
      );
    },
  },
  {
    name: 'honours deletes',
    async run(ctx) {
      const scope = { sessionId: 'conformance-forget', workspaceId: 'ws-forget' };
      const doomed = 'forget me: the old build server was at 10.0.0.7';
      const kept = 'keep me: the old build server ran Jenkins';
      await write(ctx, ctx.plugin, scope, [{ text: doomed }, { text: kept }]);
      const before = await recall(ctx, ctx.plugin, scope, 'old build server');
      const target = before.find((r) => r.text === doomed);
      ensure(
        target !== undefined,
        `memory:recall("old build server") did not return ${preview(doomed)} right after it was written`,
        'return stored records from recall (see "recalls what it stored")',
      );
      ensure(
        typeof target.id === 'string' && target.id !== '',
        `memory:recall returned ${preview(target)} without an id, so it can never be forgotten`,
        'give every stored record an id and return it from recall and list',
      );
      try {
        await ctx.plugin.call('memory:forget', { ...scope, ids: [target.id] }, ctx.env.settings);
      } catch (err) {
        if (isMissingOp(err)) return { skip: 'the plugin has no memory:forget (deletes are optional)' };
        throw err;
      }
      const after = await recall(ctx, ctx.plugin, scope, 'old build server');
      ensure(
        !has(after, doomed),
        `memory:forget of id ${preview(target.id)} returned, yet recall still returns ${preview(doomed)}`,
        'delete the records memory:forget names (by id) before answering',
      );
      ensure(
        has(after, kept),
        `memory:forget of one id also removed ${preview(kept)}`,
        'delete only the ids memory:forget names',
      );
      return undefined;
    },
  },
  {
    name: 'honours storage quotas',
    async run(ctx) {
      // A fresh host whose storage quota is small: the plugin must refuse cleanly (a coded error) or stay
      // within it by dropping old records, and never lose what it acknowledged last.
      const plugin = await ctx.env.open(tightQuota(ctx.env.manifest));
      const scope = { sessionId: 'conformance-quota', workspaceId: 'ws-quota' };
      let acknowledged: string | undefined;
      let refused: ReturnType<typeof errorCodes> | undefined;
      for (let i = 0; i < 60 && refused === undefined; i += 1) {
        const text = `quota filler ${i} ${'lorem ipsum dolor sit amet '.repeat(80)}`.slice(0, 2000);
        try {
          await write(ctx, plugin, scope, [{ text }]);
          acknowledged = text;
        } catch (err) {
          refused = errorCodes(err);
        }
      }
      if (refused !== undefined) {
        ensure(
          refused.code === 'ROKU_PLUGIN_FAILED' &&
            refused.pluginCode !== undefined &&
            refused.pluginCode !== 'PLUGIN_ERROR',
          `a memory:write beyond the storage quota failed with ${refused.code}${refused.pluginCode === undefined ? '' : ` (${refused.pluginCode})`}: ${refused.message}`,
          'catch the storage quota error (ROKU_CAPABILITY_QUOTA_EXCEEDED / ROKU_CAPABILITY_LIMIT) and throw an error with a stable code of your own (e.g. ROKU_MEMORY_FULL) that tells the user to forget records or raise the quota',
        );
      }
      if (acknowledged !== undefined) {
        const found = await recall(ctx, plugin, scope, acknowledged.split(' ').slice(0, 3).join(' '), 64);
        ensure(
          has(found, acknowledged),
          refused === undefined
            ? 'every memory:write under a 32 KiB storage quota succeeded, but the last record written cannot be recalled: records were silently lost'
            : `after a refused write the last acknowledged record can no longer be recalled (${refused.code})`,
          'never acknowledge a write you did not keep: when storage is full, fail the write with a coded error (or drop the oldest records, as documented) and keep the newest',
        );
      }
      return undefined;
    },
  },
];

/**
 * The memory-slot suite: a slot recalls what it stored (text unchanged), returns at most `limit` records,
 * isolates sessions and workspaces, honours `memory:forget` (when it has it) and storage quotas.
 */
export async function memoryChecks(
  env: SuiteEnv,
): Promise<{ checks: readonly Check<MemoryContext>[]; context: MemoryContext }> {
  const plugin = await env.open();
  return { checks: CHECKS, context: { env, plugin } };
}
