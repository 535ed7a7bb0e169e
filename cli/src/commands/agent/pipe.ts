import { RokuError } from '@roku/schemas';
import type { LoopEvent } from '@roku/host';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, onInterrupt, withRuntime } from './context.js';
import type { RunReport } from './result.js';
import { errorReport, reportOf } from './result.js';
import { jsonLine } from './render.js';
import { appendTranscript, transcriptFile } from './chat/transcript.js';

export interface PipeOptions {
  readonly json: boolean;
  readonly sessionId?: string;
  readonly model?: string;
  readonly yesAlways: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `roku chat --pipe`: all of stdin is one goal. Tools that need approval are refused (approval mode `deny`)
 * unless --yes-always or ROKU_AUTO_APPROVE.
 *
 * Output contract:
 * - default: exactly one JSON {@link RunReport} on stdout; each LoopEvent as one JSON line on stderr.
 * - `--json`: every stdout line is `{"type":"event","data":LoopEvent}`, and the last one, exactly once,
 *   `{"type":"result","data":RunReport}`.
 * Failures before or around the run (empty input, bad config, no runtime) are reported in the same shape.
 * Exit 0 when the run succeeded, 2 for empty input, 1 otherwise.
 */
export async function pipeCommand(
  io: AgentIo,
  configFile: string | undefined,
  opts: PipeOptions,
): Promise<number> {
  const sessionId = opts.sessionId ?? 'chat-default';
  const emit = (report: RunReport): void => {
    io.stdout(jsonLine(opts.json ? { type: 'result', data: report } : report));
  };
  const onEvent = (event: LoopEvent): void => {
    if (opts.json) io.stdout(jsonLine({ type: 'event', data: event }));
    else io.stderr(jsonLine(event));
  };
  let report: RunReport | undefined;
  try {
    const goal = (await readAll(io.stdin ?? process.stdin)).trim();
    if (goal === '') {
      throw new RokuError(
        'ROKU_CLI_USAGE',
        'chat --pipe: standard input is empty; pipe the goal in, e.g. echo "hello" | roku chat --pipe',
      );
    }
    await withRuntime(io, configFile, 'chat --pipe', async ({ runtime, configAutoApprove, home }) => {
      const controller = new AbortController();
      const stopListening = onInterrupt(() => {
        controller.abort();
      });
      const refused: string[] = [];
      try {
        const result = await runtime.run(
          {
            sessionId,
            goal,
            approvalMode: 'deny',
            autoApprove: opts.yesAlways || configAutoApprove,
            ...(opts.model === undefined ? {} : { model: opts.model }),
            signal: controller.signal,
          },
          {
            onEvent: (event) => {
              // Deny-pattern refusals (by 'policy') would be refused interactively too: no hint for those.
              if (event.type === 'ApprovalDecided' && event.decision === 'denied' && event.by !== 'policy')
                refused.push(event.tool_name);
              onEvent(event);
            },
          },
        );
        appendTranscript(transcriptFile(home, io.env, result.sessionId), goal, result);
        report = reportOf(result, refused);
      } finally {
        stopListening();
      }
    });
  } catch (err) {
    // A failure while closing the runtime after the run finished does not change the run's result.
    report ??= errorReport(err, sessionId);
  }
  report ??= errorReport(new Error('the run ended without a result'), sessionId);
  emit(report);
  if (report.ok) return AGENT_EXIT.ok;
  return report.error?.code === 'ROKU_CLI_USAGE' ? AGENT_EXIT.usage : AGENT_EXIT.failed;
}
