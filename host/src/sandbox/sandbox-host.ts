import { RokuError, dynamicErrorCode } from '@roku/schemas';
import type { Logger } from 'pino';
import { dispatchCall } from './call-dispatch.js';
import type { LoadedSandbox, SandboxHost } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import type { QuarantineEntry, QuarantineTracker } from './quarantine.js';
import type { RunnerPool } from './runner-pool.js';

export interface SandboxHostOptions {
  readonly pool: RunnerPool;
  readonly quarantine: QuarantineTracker;
  readonly log: Logger;
  readonly metrics: SandboxMetrics | undefined;
  readonly onQuarantine: ((entry: QuarantineEntry) => void) | undefined;
}

interface PluginLabels {
  readonly plugin: { readonly plugin: string };
  /** By op as called (`tool:read_file`), labelled by its kind (`tool`). */
  readonly ops: Map<string, { plugin: string; op: string }>;
}

/** Failures that say nothing about the plugin itself: it never got to run (queue, revocation), or ran beside the culprit. */
function notThePluginsFault(error: RokuError): boolean {
  if (error.code === 'ROKU_SANDBOX_CRASHED') {
    // When a shared runner dies with several plugins' calls in flight, none of them is known to be the cause.
    return error.details?.bystander === true || error.details?.sent === false;
  }
  const phase = error.details?.phase;
  return error.code === 'ROKU_SANDBOX_TIMEOUT' && (phase === 'queued' || phase === 'loading');
}

/**
 * What every loaded sandbox calls back into: dispatching calls (queue, load, runner, deadline), and the
 * bookkeeping of each outcome (metrics, quarantine strikes, the error a caller sees).
 */
export function createSandboxHost({
  pool,
  quarantine,
  log,
  metrics,
  onQuarantine,
}: SandboxHostOptions): SandboxHost {
  const queueSeen = new WeakSet<LoadedSandbox>();
  // Label objects per plugin and operation kind, made once: each call's metrics then allocate nothing and
  // split no op name (prom-client 15's labelled children hash their labels on every call all the same).
  const labelCache = new WeakMap<LoadedSandbox, PluginLabels>();
  const labelsOf = (sandbox: LoadedSandbox): PluginLabels => {
    let labels = labelCache.get(sandbox);
    if (labels === undefined) {
      labels = { plugin: { plugin: sandbox.manifest.id }, ops: new Map() };
      labelCache.set(sandbox, labels);
    }
    return labels;
  };
  const opLabels = (labels: PluginLabels, op: string): { plugin: string; op: string } => {
    let found = labels.ops.get(op);
    if (found === undefined) {
      found = { plugin: labels.plugin.plugin, op: op.split(':')[0] ?? op };
      // ops are tool and hook names: bounded per plugin, but a runaway set is not kept
      if (labels.ops.size < 1024) labels.ops.set(op, found);
    }
    return found;
  };
  return {
    dispatch(sandbox, request, scope) {
      const call = dispatchCall(pool, log, sandbox, request, scope);
      if (metrics === undefined || (sandbox.queued === 0 && !queueSeen.has(sandbox))) return call;
      // only plugins that ever queued pay for the gauge
      queueSeen.add(sandbox);
      const plugin = sandbox.manifest.id;
      metrics.queuedCalls.set({ plugin }, sandbox.queued);
      return call.finally(() => {
        metrics.queuedCalls.set({ plugin }, sandbox.queued);
      });
    },
    failed(sandbox, op, error) {
      const { id, version } = sandbox.manifest;
      if (metrics !== undefined) metrics.calls.inc(opLabels(labelsOf(sandbox), op));
      metrics?.errors.inc({ plugin: id, code: error.code });
      const entry = notThePluginsFault(error) ? undefined : quarantine.record(id, error);
      if (entry !== undefined) {
        metrics?.quarantines.inc({ plugin: id });
        log.error({ pluginId: id, reason: entry.reason }, 'plugin quarantined');
        onQuarantine?.(entry);
      }
      return new RokuError(dynamicErrorCode(error.code), `${id}@${version} ${op}: ${error.message}`, {
        details: { ...error.details, pluginId: id, version, op },
        cause: error,
      });
    },
    checkQuarantine(manifest) {
      const entry = quarantine.get(manifest.id);
      if (entry === undefined) return;
      throw new RokuError(
        'ROKU_SANDBOX_QUARANTINED',
        `${manifest.id} is quarantined after repeated failures (last: ${entry.reason.code}); re-enable it to use it again`,
        { details: { pluginId: manifest.id, since: entry.since, reason: entry.reason } },
      );
    },
    succeeded(sandbox, op, millis, cpuMs) {
      if (metrics === undefined) return;
      const labels = labelsOf(sandbox);
      metrics.calls.inc(opLabels(labels, op));
      metrics.latency.observe(labels.plugin, millis / 1000);
      if (cpuMs !== undefined) metrics.cpuMs.inc(labels.plugin, cpuMs);
    },
    async unload(sandbox) {
      sandbox.revoke(
        new RokuError(
          'ROKU_SANDBOX_UNLOADED',
          `${sandbox.manifest.id}@${sandbox.manifest.version} was unloaded`,
        ),
      );
      await pool.unload(sandbox);
      await sandbox.handler.close();
    },
  };
}
