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

/**
 * Creates the metrics on `registry`, with process metrics; `pendingApprovals` is read at each scrape. The
 * sandbox metrics (runner restarts, quarantines, plugin calls) are the host's, registered on the same registry.
 */
export function createServerMetrics(registry: Registry, pendingApprovals: () => number): ServerMetrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const ttft = new Histogram({ name: 'roku_run_ttft_seconds', help: 'Time from a run (or resume) starting to its first streamed token.', buckets: SECOND_BUCKETS, registers });
  const duration = new Histogram({ name: 'roku_run_duration_seconds', help: 'Duration of run legs (start or resume to finish or pause), by final status.', labelNames: ['status'], buckets: SECOND_BUCKETS, registers });
  const runs = new Counter({ name: 'roku_runs_total', help: 'Run legs ended, by status.', labelNames: ['status'], registers });
  const modelRequests = new Counter({ name: 'roku_model_requests_total', help: 'Model calls completed, by provider and model.', labelNames: ['provider', 'model'], registers });
  const modelFailures = new Counter({ name: 'roku_model_failures_total', help: 'Run errors by error class (code); provider and model are those of the last model call of the run.', labelNames: ['provider', 'model', 'error_class'], registers });
  const retries = new Counter({ name: 'roku_model_retries_total', help: 'Model call retries, by provider, model and error code.', labelNames: ['provider', 'model', 'code'], registers });
  const breaker = new Gauge({ name: 'roku_model_breaker_open', help: '1 while the last attempt on a provider was a retry after a failure (breaker-style health), else 0.', labelNames: ['provider'], registers });
  const tokens = new Counter({ name: 'roku_tokens_total', help: 'Tokens, by model and kind (prompt, output, cache_read, cache_write).', labelNames: ['model', 'kind'], registers });
  const cost = new Counter({ name: 'roku_estimated_cost_usd_total', help: 'Estimated model cost in USD, by model.', labelNames: ['model'], registers });
  const tools = new Counter({ name: 'roku_tool_calls_total', help: 'Tool calls, by plugin, tool and outcome (ok, error).', labelNames: ['plugin', 'tool', 'outcome'], registers });
  const denials = new Counter({ name: 'roku_denials_total', help: 'Denied tool calls and refused API requests, by reason.', labelNames: ['reason'], registers });
  const approvals = new Counter({ name: 'roku_approvals_total', help: 'Approval tickets by outcome (requested, approved, rejected, denied).', labelNames: ['outcome'], registers });
  const reloads = new Counter({ name: 'roku_snapshot_reloads_total', help: 'Plugin snapshot reloads, by result (ok, rolled_back).', labelNames: ['result'], registers });
  const compactions = new Counter({ name: 'roku_compactions_total', help: 'Context compactions, by kind (micro, mid, full, reactive).', labelNames: ['kind'], registers });
  const httpRequests = new Counter({ name: 'roku_http_requests_total', help: 'HTTP requests, by route and status.', labelNames: ['route', 'status'], registers });
  new Gauge({ name: 'roku_approvals_pending', help: 'Approval tickets waiting for a decision.', registers, collect() { this.set(pendingApprovals()); } });
  const lastModel = new WeakMap<ServerRun, string>();
  let owners: ReadonlyMap<string, string> = new Map();

  return {
    registry,
    observe(run, e) {
      switch (e.type) {
        case 'LlmTextDelta':
          if (!run.firstTokenSeen) {
            run.firstTokenSeen = true;
            ttft.observe((Date.now() - run.legStartedAt) / 1000);
          }
          return;
        case 'LlmDecisionComplete': {
          lastModel.set(run, e.model_id);
          const pm = providerModel(e.model_id);
          modelRequests.inc(pm);
          breaker.set({ provider: pm.provider }, 0);
          return;
        }
        case 'ProviderRetry':
          retries.inc({ provider: e.provider, model: e.model_id, code: e.code });
          breaker.set({ provider: e.provider }, 1);
          return;
        case 'TokenUsage':
          tokens.inc({ model: e.model_id, kind: 'prompt' }, e.prompt_tokens);
          tokens.inc({ model: e.model_id, kind: 'output' }, e.output_tokens);
          tokens.inc({ model: e.model_id, kind: 'cache_read' }, e.cache_read_input_tokens);
          tokens.inc({ model: e.model_id, kind: 'cache_write' }, e.cache_creation_input_tokens);
          cost.inc({ model: e.model_id }, e.estimated_cost_usd);
          return;
        case 'ToolEnd':
          tools.inc({ plugin: owners.get(e.tool_name) ?? 'host', tool: e.tool_name, outcome: e.is_error ? 'error' : 'ok' });
          return;
        case 'ApprovalRequested':
          approvals.inc({ outcome: 'requested' });
          return;
        case 'ApprovalDecided':
          approvals.inc({ outcome: e.decision });
          if (e.decision === 'denied') denials.inc({ reason: 'tool_denied' });
          return;
        case 'MicrocompactRan':
          compactions.inc({ kind: 'micro' });
          return;
        case 'MidCompactLayer1Ran':
          compactions.inc({ kind: 'mid' });
          return;
        case 'CompactComplete':
          compactions.inc({ kind: 'full' });
          return;
        case 'ReactiveCompactTriggered':
          compactions.inc({ kind: 'reactive' });
          return;
        case 'Error': {
          const pm = providerModel(lastModel.get(run) ?? 'unknown/unknown');
          modelFailures.inc({ ...pm, error_class: e.code });
          return;
        }
        case 'RunFinished':
          runs.inc({ status: e.status });
          duration.observe({ status: e.status }, (Date.now() - run.legStartedAt) / 1000);
          return;
        default:
          return;
      }
    },
    reloaded(result) {
      reloads.inc({ result: result.ok ? 'ok' : 'rolled_back' });
    },
    request(route, status) {
      httpRequests.inc({ route, status: String(status) });
    },
    denied(reason) {
      denials.inc({ reason });
    },
    setToolOwners(map) {
      owners = map;
    },
  };
}
