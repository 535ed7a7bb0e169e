import { randomBytes } from 'node:crypto';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { IdGenerator } from '@opentelemetry/sdk-trace';
import type { LoopEvent, SandboxCallRecord } from '@roku/host';
import type { ServerRun } from '../runs/server-run.js';

/** OpenTelemetry spans of runs, following the GenAI semantic conventions, derived from the loop events. */
export interface RunTracing {
  onEvent(run: ServerRun, event: LoopEvent): void;
  onSettled(run: ServerRun): void;
  /** A plugin call of the run ended: a span below the run's (`sandbox <op>`), with its plugin and outcome. */
  onSandboxCall(run: ServerRun, call: SandboxCallRecord): void;
  /** Exports what is pending and stops. */
  close(): Promise<void>;
}

interface RunSpans {
  readonly root: Span;
  readonly ctx: Context;
  model: Span | undefined;
  readonly tools: Map<string, Span>;
  /** When the loop last reported something: a model call starts after it. */
  lastAt: number;
}

const NOOP: RunTracing = {
  onEvent: () => undefined,
  onSettled: () => undefined,
  onSandboxCall: () => undefined,
  close: () => Promise.resolve(),
};

/** Hands out the next root span's trace id when one is set, so spans carry the request's trace id. */
class RequestTraceIds implements IdGenerator {
  next: string | undefined;
  generateTraceId(): string {
    const id = this.next ?? randomBytes(16).toString('hex');
    this.next = undefined;
    return id;
  }
  generateSpanId(): string {
    return randomBytes(8).toString('hex');
  }
}

function providerOf(modelId: string): { provider: string; model: string } {
  const slash = modelId.indexOf('/');
  return slash < 0
    ? { provider: 'unknown', model: modelId }
    : { provider: modelId.slice(0, slash), model: modelId.slice(slash + 1) };
}

function endModel(s: RunSpans): void {
  s.model?.end();
  s.model = undefined;
}

/** The open model call's span, started when the loop last reported something before it. */
function modelSpan(tracer: Tracer, s: RunSpans): Span {
  s.model ??= tracer.startSpan(
    'chat',
    { kind: SpanKind.CLIENT, startTime: s.lastAt, attributes: { 'gen_ai.operation.name': 'chat' } },
    s.ctx,
  );
  return s.model;
}

/** Opens, annotates or closes the spans one loop event speaks of. */
function traceEvent(tracer: Tracer, s: RunSpans, e: LoopEvent): void {
  switch (e.type) {
    case 'LlmTextDelta':
      modelSpan(tracer, s);
      break;
    case 'LlmDecisionComplete': {
      const span = modelSpan(tracer, s);
      const { provider, model } = providerOf(e.model_id);
      span.updateName(`chat ${model}`);
      span.setAttributes({
        'gen_ai.provider.name': provider,
        'gen_ai.request.model': model,
        'gen_ai.response.model': model,
        'gen_ai.response.finish_reasons': [e.finish_reason],
      });
      endModel(s);
      break;
    }
    case 'TokenUsage':
      // The loop reports usage once per run (its total), so it goes on the run's span.
      s.root.setAttributes({
        'gen_ai.usage.input_tokens': e.prompt_tokens,
        'gen_ai.usage.output_tokens': e.output_tokens,
      });
      break;
    case 'ToolStart':
      s.tools.set(
        e.tool_call_id,
        tracer.startSpan(
          `execute_tool ${e.tool_name}`,
          {
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': e.tool_name,
              'gen_ai.tool.call.id': e.tool_call_id,
            },
          },
          s.ctx,
        ),
      );
      break;
    case 'ToolEnd': {
      const span = s.tools.get(e.tool_call_id);
      if (e.is_error) span?.setStatus({ code: SpanStatusCode.ERROR, message: e.result_summary });
      span?.end();
      s.tools.delete(e.tool_call_id);
      break;
    }
    case 'Error':
      s.root.setStatus({ code: SpanStatusCode.ERROR, message: `${e.code}: ${e.message}` });
      break;
    case 'RunFinished':
      s.root.setAttribute('roku.run.status', e.status);
      break;
    default:
      break;
    case 'RunStarted':
    case 'ApprovalRequested':
    case 'ApprovalDecided':
    case 'StepComplete':
    case 'MicrocompactRan':
    case 'MidCompactLayer1Ran':
    case 'CompactTriggered':
    case 'CompactComplete':
    case 'ReactiveCompactTriggered':
    case 'ToolBudgetCheck':
    case 'ProviderRetry':
    case 'PluginFallback':
    case 'MidCompactLayer2Ran':
    case 'AutoCompactSummarizerCalled':
    case 'AutoCompactCircuitBreakerTripped':
    case 'CacheBreakDetected':
    case 'OutputSlotEscalated':
    case 'OutputSlotEscalationUnsupported':
      break;
  }
}

/**
 * Spans per run leg (`invoke_agent roku`), model call (`chat <model>`), tool call (`execute_tool <tool>`) and
 * plugin call in its sandbox (`sandbox <op>`: provider, tool, context-engine and memory calls),
 * exported with OTLP/HTTP to `url` (e.g. http://127.0.0.1:4318/v1/traces). Without a url nothing is traced. A
 * run's spans carry the trace id of the request's `traceparent` (its parent span, when given).
 */
export function createRunTracing(url: string | undefined): RunTracing {
  if (url === undefined) return NOOP;
  const ids = new RequestTraceIds();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'roku-serve' }),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 500 }),
    ],
  });
  const tracer = provider.getTracer('@roku/server');
  const runs = new WeakMap<ServerRun, RunSpans>();

  const start = (run: ServerRun): RunSpans => {
    let parent = context.active();
    if (run.traceParent !== undefined) {
      parent = trace.setSpanContext(parent, {
        ...run.traceParent,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
    } else if (run.traceId !== null) {
      ids.next = run.traceId;
    }
    const root = tracer.startSpan(
      'invoke_agent roku',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': 'roku',
          'gen_ai.conversation.id': run.sessionId,
          'roku.run.id': run.id,
        },
      },
      parent,
    );
    const spans: RunSpans = {
      root,
      ctx: trace.setSpan(parent, root),
      model: undefined,
      tools: new Map(),
      lastAt: Date.now(),
    };
    runs.set(run, spans);
    return spans;
  };
  return {
    onEvent(run, e) {
      const s = e.type === 'RunStarted' ? start(run) : runs.get(run);
      if (s === undefined) return;
      traceEvent(tracer, s, e);
      s.lastAt = Date.now();
    },
    onSettled(run) {
      const s = runs.get(run);
      if (s === undefined) return;
      endModel(s);
      for (const span of s.tools.values()) span.end();
      s.root.end();
      runs.delete(run);
    },
    onSandboxCall(run, call) {
      const s = runs.get(run);
      if (s === undefined) return;
      const span = tracer.startSpan(
        `sandbox ${call.op}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: call.startTime,
          attributes: {
            'roku.plugin.id': call.pluginId,
            'roku.plugin.version': call.version,
            'roku.plugin.op': call.op,
          },
        },
        s.ctx,
      );
      if (!call.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: call.code ?? 'failed' });
      span.end(call.startTime + call.durationMs);
    },
    close: () => provider.shutdown(),
  };
}
