import type { ToolCall } from '@roku/schemas';
import { pluginOp } from '@roku/schemas';
import { summarize } from '../../events/loop-events.js';
import { callPlugin } from '../../plugins/call-plugin.js';
import { resultText } from '../../plugins/answers.js';
import { abortable, asRokuError } from '../abort.js';
import type { CatalogEntry } from '../assembled.js';
import { truncateChars } from '../conversation.js';
import { emit } from './run-state.js';
import type { AgentFrame, LoopRun } from './types.js';

/**
 * Runs a plugin tool in its sandbox; its errors become error results for the model. `beforeSend` runs once the
 * plugin is loaded, right before the call goes out (an approved call is claimed there).
 */
export async function executeTool(
  run: LoopRun,
  frame: AgentFrame,
  entry: CatalogEntry,
  call: ToolCall,
  beforeSend?: () => void,
): Promise<[content: string, isError: boolean]> {
  const { runId, sessionId } = run.main.state;
  try {
    const output = await abortable(
      callPlugin(entry.plugin.sandbox, pluginOp('tool', entry.toolName), call.arguments ?? {}, {
        config: entry.plugin.settings,
        ...(frame.signal === undefined ? {} : { signal: frame.signal }),
        context: { runId, sessionId },
        ...(beforeSend === undefined ? {} : { beforeSend }),
      }),
      frame.signal,
    );
    // The tool's own cap from its manifest (spec §3.4); agent.toolResultMaxChars still applies after it.
    const cap = entry.plugin.manifest.contributes.tools?.find(
      (t) => t.name === entry.toolName,
    )?.maxOutputChars;
    const text = resultText(output);
    return [cap === undefined ? text : truncateChars(text, cap), false];
  } catch (err) {
    const error = asRokuError(err);
    if (error.code === 'ROKU_RUN_INTERRUPTED') throw error;
    return [`error [${error.code}]: ${error.message}`, true];
  }
}

/** Most characters of a tool's diff shown to the user; the model gets the whole result. */
const MAX_SHOWN_DIFF_CHARS = 4000;

/** A successful result's top-level `diff` string (e.g. edit_file's), for the user's display. */
function reportedDiff(content: string): string | undefined {
  if (!content.startsWith('{') || !content.includes('"diff"')) return undefined;
  try {
    const diff = (JSON.parse(content) as { diff?: unknown }).diff;
    return typeof diff === 'string' && diff !== '' ? truncateChars(diff, MAX_SHOWN_DIFF_CHARS) : undefined;
  } catch {
    return undefined;
  }
}

/** Gives a call its result in the conversation (cut to agent.toolResultMaxChars) and reports `ToolEnd`. */
export function appendResult(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  content: string,
  isError: boolean,
  started: number,
): { kind: 'result'; failed: boolean } {
  const text = truncateChars(content, run.env.settings.toolResultMaxChars);
  const diff = isError ? undefined : reportedDiff(content);
  // committed with the step's checkpoint, or before the next call runs (tool-calls.ts)
  frame.conversation.appendLater([{ role: 'tool', toolCallId: call.id, content: text, isError }]);
  run.turnToolTokens += Math.ceil(Buffer.byteLength(text) / 4);
  emit(run, frame, {
    type: 'ToolEnd',
    tool_name: call.name,
    tool_call_id: call.id,
    elapsed_ms: Math.round(performance.now() - started),
    result_summary: summarize(text),
    is_error: isError,
    ...(diff === undefined ? {} : { diff }),
  });
  return { kind: 'result', failed: isError };
}
