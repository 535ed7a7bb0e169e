import { RokuError, dynamicErrorCode } from '@roku/schemas';
import type { Logger } from 'pino';
import type { SandboxHost } from './loaded-sandbox.js';
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

/**
 * What every loaded sandbox calls back into: (re)loading after a runner restart, sending calls, and the
 * bookkeeping of each outcome (metrics, quarantine strikes, the error a caller sees).
 */
export function createSandboxHost({
  pool,
  quarantine,
  log,
  metrics,
  onQuarantine,
}: SandboxHostOptions): SandboxHost {
  return {
    async ensureLoaded(sandbox) {
      const runner = pool.runnerFor(sandbox.engine);
      await runner.recycleIfBloated();
      if (sandbox.disposed || sandbox.generation !== runner.generation || runner.pid === undefined) {
        await pool.loadInto(sandbox);
      }
    },
    async send(sandbox, request, scope) {
      const runner = pool.runnerFor(sandbox.engine);
      const id = runner.allocateCallId();
      pool.scopes.set(id, { scope, handler: sandbox.handler });
      try {
        return await runner.call(id, sandbox.pluginKey, request, sandbox.limits.wallMsPerCall);
      } finally {
        pool.scopes.delete(id);
      }
    },
    failed(sandbox, op, error) {
      const { id, version } = sandbox.manifest;
      metrics?.calls.inc({ plugin: id, op: op.split(':')[0] ?? op });
      metrics?.errors.inc({ plugin: id, code: error.code });
      // When the shared runner dies with several plugins' calls in flight, none of them is known to be the
      // cause: only a sole suspect gets a quarantine strike.
      const bystander =
        error.code === 'ROKU_SANDBOX_CRASHED' && Number(error.details?.pluginsInFlight ?? 1) > 1;
      const entry = bystander ? undefined : quarantine.record(id, error);
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
      const plugin = sandbox.manifest.id;
      metrics?.calls.inc({ plugin, op: op.split(':')[0] ?? op });
      metrics?.latency.observe({ plugin }, millis / 1000);
      if (cpuMs !== undefined) metrics?.cpuMs.inc({ plugin }, cpuMs);
    },
    async unload(sandbox) {
      pool.sandboxes.delete(sandbox.pluginKey);
      pool.runners.get(sandbox.engine)?.unload(sandbox.pluginKey);
      await sandbox.handler.close();
    },
  };
}
