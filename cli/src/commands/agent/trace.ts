import { RokuError } from '@roku/schemas';
import type { AgentStateView, LoopEvent, RunRow, TraceInfo } from '@roku/host';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, withState } from './context.js';
import { jsonLine, oneLine, traceLines } from './render.js';

/** A run's stored events and trace file, or ROKU_RUN_NOT_FOUND naming the id. */
export function traceOf(
  runtime: AgentStateView,
  runId: string,
): { run: RunRow; events: LoopEvent[]; trace: TraceInfo | undefined } {
  if (runtime.store.getRun(runId) === undefined) {
    throw new RokuError(
      'ROKU_RUN_NOT_FOUND',
      `run "${runId}" not found; run ids are shown by roku session show <id>`,
      {
        details: { runId },
      },
    );
  }
  return runtime.trace(runId);
}

/** Header, one compact line per event, and where the trace file is. */
export function traceText(detail: {
  run: RunRow;
  events: readonly LoopEvent[];
  trace: TraceInfo | undefined;
}): string {
  const { run, events, trace } = detail;
  const file =
    trace === undefined
      ? 'trace: no trace file'
      : `trace: ${trace.file} (${trace.bytes} bytes${trace.dropped > 0 ? `, ${trace.dropped} events dropped at the size cap` : ''})`;
  return [
    `run ${run.id} · session ${run.sessionId} · ${run.status} · ${events.length} events`,
    `goal: ${oneLine(run.goal, 200)}`,
    ...traceLines(events),
    file,
  ]
    .join('\n')
    .concat('\n');
}

/**
 * `roku trace <run-id>`: the run's events, then the trace file. With --json, JSON lines:
 * `{"type":"event","data":LoopEvent}` per event, then one `{"type":"trace","data":{run,status,file,bytes,dropped}}`.
 */
export async function traceCommand(
  io: AgentIo,
  configFile: string | undefined,
  runId: string,
  json: boolean,
): Promise<number> {
  return withState(io, configFile, ({ state: runtime }) => {
    const detail = traceOf(runtime, runId);
    if (!json) {
      io.stdout(traceText(detail));
      return AGENT_EXIT.ok;
    }
    for (const event of detail.events) io.stdout(jsonLine({ type: 'event', data: event }));
    const { run, trace } = detail;
    io.stdout(
      jsonLine({
        type: 'trace',
        data: {
          runId: run.id,
          sessionId: run.sessionId,
          status: run.status,
          goal: run.goal,
          events: detail.events.length,
          file: trace?.file ?? null,
          bytes: trace?.bytes ?? 0,
          dropped: trace?.dropped ?? 0,
        },
      }),
    );
    return AGENT_EXIT.ok;
  });
}
