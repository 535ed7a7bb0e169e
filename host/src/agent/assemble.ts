import { RokuError, pluginOp } from '@roku/schemas';
import type { ChatRequest, TokenUsage } from '@roku/schemas';
import { callPlugin } from '../plugins/call-plugin.js';
import { createToolCatalog } from './catalog/index.js';
import type { AgentSnapshot, CatalogEntry, LoopCatalog, LoopRouter, ModelChoice } from './assembled.js';
import {
  createBreakerBoard,
  createProviderRouter,
  estimateCostUsd,
  estimateRequestTokens,
  routerPolicyFromConfig,
  settingsModels,
} from './router/index.js';
import type { BreakerBoard, ModelEntry, ProviderBinding, ProviderRouter } from './router/index.js';
import type { AgentSettings } from './settings.js';
import { ProviderMemos } from './router/provider-memo.js';
import { RealmGuess } from './slots/context-memo.js';
import { snapshotInfoBase } from './snapshot/info.js';
import { liveKey } from './snapshot/live-models.js';
import type { LiveModelLists } from './snapshot/live-models.js';
import type { PluginSnapshotBase, SnapshotPlugin } from './snapshot/snapshot.js';

/** Breaker state outlives snapshots: a reload must not reset a provider that keeps failing. */
export function createBreakers(): BreakerBoard {
  return createBreakerBoard();
}

function choice(entry: ModelEntry): ModelChoice {
  return {
    ref: entry.ref,
    contextWindow: entry.contextWindow,
    maxOutputTokens: entry.maxOutputTokens ?? undefined,
    capabilities: entry.capabilities,
  };
}

/** Puts the router and the tool catalog on top of a loaded set of plugins. */
export function assembleSnapshot(
  base: PluginSnapshotBase,
  settings: AgentSettings,
  breakers: BreakerBoard,
  live?: LiveModelLists,
): AgentSnapshot {
  const bindings: ProviderBinding[] = [];
  const realms = new RealmGuess();
  for (const plugin of base.plugins) {
    for (const provider of plugin.manifest.contributes.providers ?? []) {
      const memos = new ProviderMemos(plugin.sandbox, realms);
      bindings.push({
        pluginId: plugin.manifest.id,
        provider: provider.name,
        // A provider's settings may add models only the user knows (an OpenAI-compatible server's).
        models: [...provider.models, ...settingsModels(plugin.settings)],
        // The provider's live list (provider.models), fetched and cached while the snapshot was built.
        live: live?.lists.get(liveKey(plugin.manifest.id, provider.name)),
        // The router checks the answer (router/validate.ts): it tells a bad answer from a failed call. A
        // session's requests go as what is new since the provider's last answer where its realm kept that.
        chat: (request, options) =>
          memos.chat(request, options.session, (call) =>
            callPlugin(plugin.sandbox, pluginOp('provider.chat', provider.name), call, {
              config: plugin.settings,
              signal: options.signal,
              onEvent: options.onEvent,
              ...(options.session === undefined ? {} : { session: options.session }),
              // The capability layer reads the trace id from the call's context (its fetch adds traceparent).
              ...(options.traceId === undefined ? {} : { context: { traceId: options.traceId } }),
            }),
          ),
      });
    }
  }
  const router = createProviderRouter({
    providers: bindings,
    policy: routerPolicyFromConfig(settings),
    breakers,
  });
  const byId = new Map<string, SnapshotPlugin>(base.plugins.map((p) => [p.manifest.id, p]));
  const catalog = createToolCatalog(
    base.plugins.flatMap((plugin) =>
      (plugin.manifest.contributes.tools ?? []).map((tool) => ({
        pluginId: plugin.manifest.id,
        toolName: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        risk: [...tool.risk],
        deferred: tool.deferred === true,
      })),
    ),
    { deferAboveTokens: settings.deferToolsAboveTokens },
  );
  const loopRouter: LoopRouter = {
    hasModels: router.models().length > 0,
    select: ({ provider, ...request }) => {
      if (provider === undefined || provider === '' || (request.model ?? '') !== '') {
        return choice(router.select(request));
      }
      return choice(selectPinned(router, provider, request));
    },
    async chat(request: ChatRequest, options) {
      const result = await router.chat(request, {
        signal: options.signal,
        onDelta: options.onDelta,
        onRetry: options.onRetry,
        session: options.session,
        traceId: options.traceId,
      });
      return { response: result.response, model: choice(result.model) };
    },
    estimateRequestTokens: (request) => estimateRequestTokens(request),
    roomiest: (model) => {
      if (model !== undefined) {
        return choice(router.select({ model, estimatedPromptTokens: 0, expectedOutputTokens: 0 }));
      }
      const [widest] = [...router.models()].sort((a, b) => b.contextWindow - a.contextWindow);
      return choice(widest ?? router.select({ estimatedPromptTokens: 0, expectedOutputTokens: 0 }));
    },
    estimateCostUsd: (ref: string, usage: TokenUsage) => {
      try {
        return estimateCostUsd(router.resolveModel(ref), usage);
      } catch {
        return 0;
      }
    },
  };
  const loopCatalog: LoopCatalog = {
    get(name): CatalogEntry | undefined {
      const tool = catalog.get(name);
      const plugin = tool === undefined ? undefined : byId.get(tool.pluginId);
      if (tool === undefined || plugin === undefined) return undefined;
      return { name: tool.name, plugin, toolName: tool.toolName, risk: tool.risk };
    },
    definitions: (options) => catalog.definitions(options),
    search: (query, limit) =>
      catalog.search(query, limit).map((h) => ({ name: h.name, description: h.description })),
  };
  const info = {
    ...snapshotInfoBase(base),
    models: router.models().map((m) => ({
      ref: m.ref,
      contextWindow: m.contextWindow,
      pluginId: m.pluginId,
      maxOutputTokens: m.maxOutputTokens,
      capabilities: m.capabilities,
      costPer1kInputUsd: m.costPer1kInputUsd,
      costPer1kOutputUsd: m.costPer1kOutputUsd,
      source: m.source,
    })),
    tools: catalog
      .all()
      .map((t) => ({ name: t.name, pluginId: t.pluginId, risk: t.risk, deferred: t.deferred })),
    warnings: [...base.warnings, ...(live?.warnings ?? []), ...router.warnings, ...catalog.warnings],
    memory: {
      plugin: base.memory?.plugin.manifest.id ?? '',
      description: base.memory?.plugin.manifest.contributes.memorySlot?.description ?? '',
      writeBack: settings.rememberExchanges,
    },
  };
  return { ...base, router: loopRouter, catalog: loopCatalog, info };
}

/**
 * The first of a pinned provider's models that can take the request (the router checks each one).
 * @throws ROKU_MODEL_NOT_FOUND (the provider offers no loaded model), ROKU_NO_ELIGIBLE_MODEL
 */
function selectPinned(
  router: ProviderRouter,
  provider: string,
  request: { estimatedPromptTokens: number; expectedOutputTokens: number },
): ModelEntry {
  const models = router.models().filter((m) => m.ref.startsWith(`${provider}/`));
  let refusal: Error | undefined;
  for (const m of models) {
    try {
      return router.select({ ...request, model: m.ref });
    } catch (err) {
      refusal = err instanceof Error ? err : new Error(String(err));
    }
  }
  throw (
    refusal ??
    new RokuError(
      'ROKU_MODEL_NOT_FOUND',
      `agent.provider pins the provider "${provider}", but no loaded plugin offers its models; load it, or empty agent.provider`,
      { details: { provider } },
    )
  );
}
