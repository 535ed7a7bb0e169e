import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoopEvent, ReloadResult } from '@roku/host';
import type { ServerRun } from '../runs/server-run.js';

/** The server's Prometheus metrics, derived from the host's loop events (one registry per server). */
export interface ServerMetrics {
  readonly registry: Registry;
  observe(run: ServerRun, event: LoopEvent): void;
  reloaded(result: ReloadResult): void;
  request(route: string, status: number): void;
  denied(reason: string): void;
  /** Tool name → plugin id, refreshed on every reload. */
  setToolOwners(owners: ReadonlyMap<string, string>): void;
}

const SECOND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Splits `provider/model` (the loop's model ids) into labels. */
function providerModel(modelId: string): { provider: string; model: string } {
  const slash = modelId.indexOf('/');
  return slash < 0
    ? { provider: 'unknown', model: modelId }
    : { provider: modelId.slice(0, slash), model: modelId.slice(slash + 1) };
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** Every instrument, by what it measures. */
function instruments(registry: Registry) {
  const registers = [registry];
  return {
    ttft: new Histogram({
      name: 'roku_run_ttft_seconds',
      help: 'Time from a run (or resume) starting to its first streamed token.',
      buckets: SECOND_BUCKETS,
      registers,
    }),
    duration: new Histogram({
      name: 'roku_run_duration_seconds',
      help: 'Duration of run legs (start or resume to finish or pause), by final status.',
      labelNames: ['status'],
      buckets: SECOND_BUCKETS,
      registers,
    }),
    runs: counter(registry, 'roku_runs_total', 'Run legs ended, by status.', ['status']),
    modelRequests: counter(
      registry,
      'roku_model_requests_total',
      'Model calls completed, by provider and model.',
      ['provider', 'model'],
    ),
    modelFailures: counter(
      registry,
      'roku_model_failures_total',
      'Run errors by error class (code); provider and model are those of the run’s last model call.',
      ['provider', 'model', 'error_class'],
    ),
    retries: counter(
      registry,
      'roku_model_retries_total',
      'Model call retries, by provider, model and error code.',
      ['provider', 'model', 'code'],
    ),
    breaker: new Gauge({
      name: 'roku_model_breaker_open',
      help: '1 while a provider’s last attempt was retried after a failure, 0 once a call completes.',
      labelNames: ['provider'],
      registers,
    }),
    tokens: counter(
      registry,
      'roku_tokens_total',
      'Tokens, by model and kind (prompt, output, cache_read, cache_write).',
      ['model', 'kind'],
    ),
    cost: counter(registry, 'roku_estimated_cost_usd_total', 'Estimated model cost in USD, by model.', [
      'model',
    ]),
    tools: counter(
      registry,
      'roku_tool_calls_total',
      'Tool calls, by plugin, tool and outcome (ok, error).',
      ['plugin', 'tool', 'outcome'],
    ),
    denials: counter(
      registry,
      'roku_denials_total',
      'Denied tool calls and refused API requests, by reason.',
      ['reason'],
    ),
    approvals: counter(
      registry,
      'roku_approvals_total',
      'Approval tickets by outcome (requested, approved, rejected, denied).',
      ['outcome'],
    ),
    reloads: counter(
      registry,
      'roku_snapshot_reloads_total',
      'Plugin snapshot reloads, by result (ok, rolled_back).',
      ['result'],
    ),
    compactions: counter(
      registry,
      'roku_compactions_total',
      'Context compactions, by kind (micro, mid, summary_splice, llm_summary, full, reactive).',
      ['kind'],
    ),
    // Spec §10.1: cache_breaks_total, routing_fallback_model_used_total, compaction_failures_total.
    cacheBreaks: counter(
      registry,
      'roku_cache_breaks_total',
      'Prompt-cache breaks the loop detected, by what changed (system_prompt, tool_schema, model, unknown).',
      ['component'],
    ),
    fallbacks: counter(
      registry,
      'roku_plugin_fallbacks_total',
      'A slot plugin (context, memory, …) failed and its fallback served instead, by slot.',
      ['slot'],
    ),
    compactionFailures: counter(
      registry,
      'roku_compaction_failures_total',
      'Times the LLM compaction failed often enough in a row to stop trying (its circuit breaker tripped).',
      [],
    ),
    http: counter(registry, 'roku_http_requests_total', 'HTTP requests, by route and status.', [
      'route',
      'status',
    ]),
  };
}

type Instruments = ReturnType<typeof instruments>;

/** Counts what one loop event says. */
/** Per run, its TokenUsage totals at the last report (the loop reports a run's total at the end of each leg). */
type Reported = WeakMap<
  ServerRun,
  { prompt: number; output: number; cacheRead: number; cacheWrite: number; cost: number }
>;

/** Counts what a run used since its last report. */
function countUsage(
  m: Instruments,
  reported: Reported,
  run: ServerRun,
  e: Extract<LoopEvent, { type: 'TokenUsage' }>,
): void {
  const before = reported.get(run) ?? { prompt: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
  const now = {
    prompt: e.prompt_tokens,
    output: e.output_tokens,
    cacheRead: e.cache_read_input_tokens,
    cacheWrite: e.cache_creation_input_tokens,
    cost: e.estimated_cost_usd,
  };
  reported.set(run, now);
  const add = (kind: string, value: number): void => {
    if (value > 0) m.tokens.inc({ model: e.model_id, kind }, value);
  };
  add('prompt', now.prompt - before.prompt);
  add('output', now.output - before.output);
  add('cache_read', now.cacheRead - before.cacheRead);
  add('cache_write', now.cacheWrite - before.cacheWrite);
  if (now.cost > before.cost) m.cost.inc({ model: e.model_id }, now.cost - before.cost);
}

function observeEvent(
  m: Instruments,
  lastModel: WeakMap<ServerRun, string>,
  reported: Reported,
  owners: ReadonlyMap<string, string>,
  run: ServerRun,
  e: LoopEvent,
): void {
  switch (e.type) {
    case 'LlmTextDelta':
      if (!run.firstTokenSeen) {
        run.firstTokenSeen = true;
        m.ttft.observe((Date.now() - run.legStartedAt) / 1000);
      }
      return;
    case 'LlmDecisionComplete': {
      lastModel.set(run, e.model_id);
      const pm = providerModel(e.model_id);
      m.modelRequests.inc(pm);
      m.breaker.set({ provider: pm.provider }, 0);
      return;
    }
    case 'ProviderRetry':
      m.retries.inc({ provider: e.provider, model: e.model_id, code: e.code });
      m.breaker.set({ provider: e.provider }, 1);
      return;
    case 'TokenUsage':
      countUsage(m, reported, run, e);
      return;
    case 'ToolEnd':
      m.tools.inc({
        plugin: owners.get(e.tool_name) ?? 'host',
        tool: e.tool_name,
        outcome: e.is_error ? 'error' : 'ok',
      });
      return;
    case 'ApprovalRequested':
      m.approvals.inc({ outcome: 'requested' });
      return;
    case 'ApprovalDecided':
      m.approvals.inc({ outcome: e.decision });
      if (e.decision === 'denied') m.denials.inc({ reason: 'tool_denied' });
      return;
    case 'MicrocompactRan':
      m.compactions.inc({ kind: 'micro' });
      return;
    case 'MidCompactLayer1Ran':
      m.compactions.inc({ kind: 'mid' });
      return;
    case 'CompactComplete':
      m.compactions.inc({ kind: 'full' });
      return;
    case 'ReactiveCompactTriggered':
      m.compactions.inc({ kind: 'reactive' });
      return;
    case 'MidCompactLayer2Ran':
      m.compactions.inc({ kind: 'summary_splice' });
      return;
    case 'AutoCompactSummarizerCalled':
      m.compactions.inc({ kind: 'llm_summary' });
      return;
    case 'Error':
      m.modelFailures.inc({ ...providerModel(lastModel.get(run) ?? 'unknown/unknown'), error_class: e.code });
      return;
    case 'RunFinished':
      m.runs.inc({ status: e.status });
      m.duration.observe({ status: e.status }, (Date.now() - run.legStartedAt) / 1000);
      return;
    case 'RunStarted':
    case 'ToolStart':
    case 'StepComplete':
    case 'CompactTriggered':
      return;
    case 'PluginFallback':
      m.fallbacks.inc({ slot: e.slot });
      return;
    case 'CacheBreakDetected':
      m.cacheBreaks.inc({ component: e.component_changed });
      return;
    case 'AutoCompactCircuitBreakerTripped':
      m.compactionFailures.inc();
      return;
    case 'ToolBudgetCheck':
    case 'OutputSlotEscalated':
    case 'OutputSlotEscalationUnsupported':
      return;
  }
}

/**
 * Creates the metrics on `registry`, with process metrics; `pendingApprovals` is read at each scrape. The
 * sandbox metrics (runner restarts, quarantines, plugin calls) are the host's, registered on the same registry.
 */
export function createServerMetrics(registry: Registry, pendingApprovals: () => number): ServerMetrics {
  collectDefaultMetrics({ register: registry });
  const m = instruments(registry);
  new Gauge({
    name: 'roku_approvals_pending',
    help: 'Approval tickets waiting for a decision.',
    registers: [registry],
    collect() {
      this.set(pendingApprovals());
    },
  });
  const lastModel = new WeakMap<ServerRun, string>();
  const reported: Reported = new WeakMap();
  let owners: ReadonlyMap<string, string> = new Map();
  return {
    registry,
    observe: (run, e) => {
      observeEvent(m, lastModel, reported, owners, run, e);
    },
    reloaded: (result) => {
      m.reloads.inc({ result: result.ok ? 'ok' : 'rolled_back' });
    },
    request: (route, status) => {
      m.http.inc({ route, status: String(status) });
    },
    denied: (reason) => {
      m.denials.inc({ reason });
    },
    setToolOwners: (map) => {
      owners = map;
    },
  };
}
