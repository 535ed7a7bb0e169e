import { createStreamEscaper } from '@roku/host';
import { safe } from '../../terminal-text.js';

export { jsonLine, safe, terminalJson } from '../../terminal-text.js';
import type { LoopEvent, RunResult } from '@roku/host';
import type { AgentIo } from './context.js';

/** ANSI styling for human output on stderr; plain when stderr is not a terminal or NO_COLOR is set. */
export interface Style {
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
}

const plain = (text: string): string => text;

export function styleFor(io: AgentIo): Style {
  const color = (io.stderrIsTTY ?? process.stderr.isTTY) && (io.env.NO_COLOR ?? '') === '';
  if (!color) return { dim: plain, bold: plain, red: plain, green: plain, yellow: plain };
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      `\u001b[${open}m${text}\u001b[${close}m`;
  return {
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
  };
}

/** A tool's unified diff for the terminal: each line escaped, additions green, removals red. */
function diffLines(diff: string, style: Style): string {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((raw) => {
      const text = `  ${safe(raw)}`;
      if (raw.startsWith('+') && !raw.startsWith('+++')) return style.green(text);
      if (raw.startsWith('-') && !raw.startsWith('---')) return style.red(text);
      return style.dim(text);
    })
    .join('\n');
}

/** One line of at most `max` characters, whitespace collapsed, unsafe characters escaped (see {@link safe}). */
export function oneLine(value: unknown, max = 120): string {
  let text: string;
  try {
    // undefined for undefined, functions and symbols
    const json = JSON.stringify(value) as string | undefined;
    text = typeof value === 'string' ? value : (json ?? String(value));
  } catch {
    text = String(value);
  }
  text = safe(text.replace(/\s+/g, ' ').trim());
  // Never cut a surrogate pair in half.
  return text.length > max ? `${text.slice(0, max - 1).replace(/[\ud800-\udbff]$/, '')}…` : text;
}

function agentPrefix(event: LoopEvent): string {
  return event.agent_id === 'main' ? '' : `[${safe(event.agent_id)}] `;
}

/** Live rendering of a run's events on stderr, for people: streamed text, tool lines, notices. */
export interface EventPrinter {
  readonly onEvent: (event: LoopEvent) => void;
  /** Prints a whole line, starting a new one first when streamed text left the cursor mid-line. */
  readonly line: (text: string) => void;
  /** Ends streamed text with a newline if needed. */
  readonly finish: () => void;
  /** The main agent's text streamed so far in this run. */
  readonly streamed: () => string;
}

/** The token-economy notices: a broken prompt cache, an answer cut at the output limit, the summariser's breaker. */
function economyNotice(
  event: Extract<
    LoopEvent,
    {
      type:
        | 'CacheBreakDetected'
        | 'OutputSlotEscalated'
        | 'OutputSlotEscalationUnsupported'
        | 'AutoCompactCircuitBreakerTripped';
    }
  >,
  who: string,
  style: Style,
): string {
  switch (event.type) {
    case 'CacheBreakDetected':
      return style.yellow(
        `${who}! prompt cache broke (${safe(event.component_changed)}): ${event.tokens_lost} cached tokens lost; see ${safe(event.diagnostic_path)}`,
      );
    case 'OutputSlotEscalated':
      return style.dim(
        `${who}… answer cut at the output limit; asking again with ${event.escalated_max_tokens} tokens`,
      );
    case 'OutputSlotEscalationUnsupported':
      return style.yellow(
        `${who}! answer cut at the output limit; ${safe(event.model_id)} cannot be asked for more`,
      );
    case 'AutoCompactCircuitBreakerTripped':
      return style.yellow(
        `${who}! the LLM summariser failed ${event.consecutive_failures} times in a row: compaction stays mechanical for this session`,
      );
  }
}

/** `streamText`: write the main agent's LlmTextDelta text as it arrives (chat); off for `roku run`. */
export function createEventPrinter(io: AgentIo, style: Style, streamText: boolean): EventPrinter {
  let atLineStart = true;
  let streamed = '';
  // Model text arrives in pieces; escaping must not split a surrogate pair or a CRLF between two of them.
  const escaper = createStreamEscaper();
  /** Calls refused by the user or the policy, until their ToolEnd arrives. */
  const refused = new Map<string, 'rejected' | 'denied'>();
  const finish = (): void => {
    const rest = escaper.flush();
    if (rest !== '') {
      io.stderr(rest);
      atLineStart = rest.endsWith('\n');
    }
    if (!atLineStart) io.stderr('\n');
    atLineStart = true;
  };
  const line = (text: string): void => {
    finish();
    io.stderr(`${text}\n`);
  };
  const onEvent = (event: LoopEvent): void => {
    const who = agentPrefix(event);
    switch (event.type) {
      case 'LlmTextDelta':
        if (event.agent_id !== 'main') return;
        streamed += event.text;
        if (!streamText || event.text === '') return;
        {
          const text = escaper.push(event.text);
          if (text === '') return;
          io.stderr(text);
          atLineStart = text.endsWith('\n');
        }
        return;
      case 'ToolStart':
        line(`${who}⚙ ${safe(event.tool_name)} ${style.dim(oneLine(event.args_summary))}`);
        return;
      case 'ToolEnd': {
        // A refused call still ends with ToolEnd; it did not run, so no ✓.
        const key = `${event.agent_id}:${event.tool_name}`;
        const refusal = refused.get(key);
        if (refusal !== undefined) {
          refused.delete(key);
          if (refusal === 'rejected') line(`${who}${style.yellow('⊘')} ${safe(event.tool_name)} not run`);
          return;
        }
        line(
          event.is_error
            ? `${who}${style.red('✗')} ${safe(event.tool_name)} ${event.elapsed_ms} ms ${style.dim(oneLine(event.result_summary))}`
            : `${who}${style.green('✓')} ${safe(event.tool_name)} ${style.dim(`${event.elapsed_ms} ms`)}`,
        );
        if (event.diff !== undefined) line(diffLines(event.diff, style));
        return;
      }
      case 'ApprovalDecided':
        if (event.decision === 'approved') return;
        refused.set(`${event.agent_id}:${event.tool_name}`, event.decision);
        if (event.decision === 'denied')
          line(
            `${who}${style.yellow('⊘')} ${safe(event.tool_name)} refused${event.reason === undefined ? '' : `: ${oneLine(event.reason, 400)}`}`,
          );
        return;
      case 'ProviderRetry':
        line(
          style.dim(
            `${who}… ${safe(event.provider)} ${safe(event.code)}: retry ${event.attempt} in ${event.delay_ms} ms`,
          ),
        );
        return;
      case 'CompactComplete':
        line(style.dim(`${who}… conversation compacted (${event.elapsed_ms} ms)`));
        return;
      case 'CacheBreakDetected':
      case 'OutputSlotEscalated':
      case 'OutputSlotEscalationUnsupported':
      case 'AutoCompactCircuitBreakerTripped':
        line(economyNotice(event, who, style));
        return;
      case 'PluginFallback':
        line(
          style.yellow(
            `${who}! ${event.slot}: ${safe(event.plugin_id)} failed, using ${safe(event.fallback_id)}: ${oneLine(event.reason, 400)}`,
          ),
        );
        return;
      case 'Error':
        // The main agent's error ends its run and is explained with the fix after it; a sub-agent's is news.
        if (event.agent_id !== 'main')
          line(style.red(`${who}✗ ${oneLine(event.message, 400)} [${safe(event.code)}]`));
        return;
      case 'RunStarted':
      case 'LlmDecisionComplete':
      case 'ApprovalRequested':
      case 'StepComplete':
      case 'TokenUsage':
      case 'MicrocompactRan':
      case 'MidCompactLayer1Ran':
      case 'MidCompactLayer2Ran':
      case 'AutoCompactSummarizerCalled':
      case 'CompactTriggered':
      case 'ReactiveCompactTriggered':
      case 'ToolBudgetCheck':
      case 'RunFinished':
        // Shown by the prompt, the usage line or the final message instead.
        return;
    }
  };
  return { onEvent, line, finish, streamed: () => streamed };
}

const BASE_KEYS = new Set(['type', 'step', 'agent_id']);

/** `key=value` for every field but type, step and agent_id. */
function fields(event: LoopEvent): string {
  return Object.entries(event)
    .filter(([key]) => !BASE_KEYS.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' ? JSON.stringify(oneLine(value, 80)) : oneLine(value, 80)}`,
    )
    .join(' ');
}

function detail(event: LoopEvent): string {
  if (event.type === 'ToolStart') return `${event.tool_name} ${oneLine(event.args_summary)}`;
  if (event.type === 'ToolEnd')
    return `${event.tool_name} ${event.is_error ? 'error' : 'ok'} ${event.elapsed_ms} ms → ${oneLine(event.result_summary)}`;
  if (event.type === 'ApprovalRequested')
    return `${event.tool_name} ticket=${event.approval_id} risk=${event.risk.join(',') || '-'} ${oneLine(event.args_summary)}`;
  if (event.type === 'RunFinished') return `${event.status} ${JSON.stringify(oneLine(event.message, 100))}`;
  return fields(event);
}

/**
 * A run's events as compact lines: `<step> [agent] <Type> <details>`. Consecutive text deltas of one step and
 * agent are joined into one `LlmText` line.
 */
export function traceLines(events: readonly LoopEvent[]): string[] {
  const lines: string[] = [];
  let text: { key: string; step: number; prefix: string; value: string } | undefined;
  const flush = (): void => {
    if (text === undefined) return;
    lines.push(
      `${String(text.step).padStart(3)} ${text.prefix}LlmText ${JSON.stringify(oneLine(text.value, 160))}`,
    );
    text = undefined;
  };
  for (const event of events) {
    const prefix = agentPrefix(event);
    if (event.type === 'LlmTextDelta') {
      const key = `${event.step}:${event.agent_id}`;
      if (text?.key !== key) flush();
      text = { key, step: event.step, prefix, value: (text?.value ?? '') + event.text };
      continue;
    }
    flush();
    const rest = safe(detail(event));
    lines.push(
      `${String(event.step).padStart(3)} ${prefix}${safe(event.type)}${rest === '' ? '' : ` ${rest}`}`,
    );
  }
  flush();
  return lines;
}

/** `1200 in · 80 out · cache 1000 read · $0.0031 · provider/model · 2 steps`. */
export function usageLine(result: RunResult): string {
  const u = result.usage;
  const cache =
    u.cacheReadTokens > 0 || u.cacheWriteTokens > 0
      ? ` · cache ${u.cacheReadTokens} read/${u.cacheWriteTokens} written`
      : '';
  return `${u.promptTokens} in · ${u.outputTokens} out${cache} · $${u.estimatedCostUsd.toFixed(4)} · ${safe(result.model ?? 'no model')} · ${result.steps} step${result.steps === 1 ? '' : 's'} · run ${result.runId}`;
}

/** `5s`, `3m`, `2h`, `4d`: how long ago `at` (ms since the epoch) was. */
export function age(at: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Rows as left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  const cells = rows.map((row) => row.map((cell) => safe(cell)));
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n')
    .concat('\n');
}
