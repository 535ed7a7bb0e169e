import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Per-plugin sandbox metrics, registered on the registry the host exposes at /metrics. */
export interface SandboxMetrics {
  readonly calls: Counter<'plugin' | 'op'>;
  readonly errors: Counter<'plugin' | 'code'>;
  readonly latency: Histogram<'plugin'>;
  readonly cpuMs: Counter<'plugin'>;
  readonly memoryBytes: Gauge<'plugin'>;
  readonly runnerRestarts: Counter<'engine' | 'reason'>;
  readonly quarantines: Counter<'plugin'>;
  readonly loadMs: Histogram<'engine'>;
  readonly queuedCalls: Gauge<'plugin'>;
}

export function createSandboxMetrics(registry: Registry): SandboxMetrics {
  const registers = [registry];
  return {
    calls: new Counter({
      name: 'roku_plugin_calls_total',
      help: 'Plugin calls, by plugin and operation kind.',
      labelNames: ['plugin', 'op'],
      registers,
    }),
    errors: new Counter({
      name: 'roku_plugin_errors_total',
      help: 'Failed plugin calls, by plugin and error code.',
      labelNames: ['plugin', 'code'],
      registers,
    }),
    latency: new Histogram({
      name: 'roku_plugin_call_duration_seconds',
      help: 'Wall-clock duration of plugin calls as the host sees them.',
      labelNames: ['plugin'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    cpuMs: new Counter({
      name: 'roku_plugin_cpu_milliseconds_total',
      help: 'CPU time used inside plugin sandboxes.',
      labelNames: ['plugin'],
      registers,
    }),
    memoryBytes: new Gauge({
      name: 'roku_plugin_memory_bytes',
      help: 'Heap used by each loaded plugin sandbox at the last sample.',
      labelNames: ['plugin'],
      registers,
    }),
    runnerRestarts: new Counter({
      name: 'roku_sandbox_runner_restarts_total',
      help: 'Sandbox runner processes restarted after dying, by engine and reason.',
      labelNames: ['engine', 'reason'],
      registers,
    }),
    quarantines: new Counter({
      name: 'roku_plugin_quarantines_total',
      help: 'Plugins quarantined after repeated sandbox failures.',
      labelNames: ['plugin'],
      registers,
    }),
    loadMs: new Histogram({
      name: 'roku_plugin_load_duration_seconds',
      help: 'Time to load a plugin into a sandbox.',
      labelNames: ['engine'],
      buckets: [0.001, 0.005, 0.01, 0.03, 0.1, 0.3, 1, 3],
      registers,
    }),
    queuedCalls: new Gauge({
      name: 'roku_plugin_queued_calls',
      help: "Calls waiting for one of a plugin's concurrency slots (backpressure), at the last change.",
      labelNames: ['plugin'],
      registers,
    }),
  };
}
