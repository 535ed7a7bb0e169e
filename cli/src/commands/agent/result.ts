import type { RokuErrorJson } from '@roku/schemas';
import type { ApprovalRow, RunResult, RunStatus } from '@roku/host';
import { errorJson } from '../../json-failure.js';
import type { Style } from './render.js';
import { oneLine, safe, usageLine } from './render.js';

/**
 * The machine-readable result of one run: the one object `roku chat --pipe` prints, the `result` line of
 * `--pipe --json`, and what `roku run --json` / `roku approval approve --json` print.
 */
export interface RunReport {
  readonly ok: boolean;
  /** The run id (null when the run never started). */
  readonly request_id: string | null;
  readonly session_id: string | null;
  readonly status: RunStatus;
  readonly message: string;
  readonly model: string | null;
  /** As in every `--json` failure (json-failure.ts). */
  readonly error?: RokuErrorJson;
  readonly suggestion?: string;
  /** Set when status is awaiting_approval. */
  readonly approval_id?: string;
  readonly steps: number;
  readonly usage: {
    readonly prompt_tokens: number;
    readonly output_tokens: number;
    readonly cache_read_input_tokens: number;
    readonly cache_creation_input_tokens: number;
    readonly estimated_cost_usd: number;
  };
}

/** Fixes for run errors, by code. */
const FIXES: Readonly<Record<string, string>> = {
  ROKU_NO_PROVIDER:
    'install a provider plugin, e.g. roku plugin install @roku/plugin-provider-scripted --yes, then retry',
  ROKU_MODEL_NOT_FOUND:
    'pick a model the loaded providers offer (/model in roku chat lists them) and pass it with --model',
  ROKU_NO_ELIGIBLE_MODEL:
    'compact the session (/compact), start a new one, or wait for the provider breaker to close',
  ROKU_PROVIDER_FAILED: "check the provider's credentials and network, then retry",
  ROKU_PROVIDER_UNAVAILABLE:
    'the provider failed repeatedly; wait for its cooldown or use another model (--model)',
  ROKU_CONTEXT_WINDOW_EXCEEDED:
    'compact the session (/compact in roku chat) or start a new one (--session-id)',
  ROKU_STEP_BUDGET_EXHAUSTED: 'split the goal into smaller ones, or raise agent.stepBudget in config.json',
  ROKU_RECOVERY_BUDGET_EXHAUSTED: 'see which tool calls failed with roku trace <run-id>, then retry',
  ROKU_SESSION_BUSY: 'decide the pending ticket (roku approval list) or wait for the other run, then retry',
  ROKU_RUN_INTERRUPTED: 'send the goal again; the session is consistent',
};

/** The documented fix for an error code, when there is one. */
export function fixFor(code: string): string | undefined {
  return FIXES[code];
}

/** Suggested next step for a finished run, or undefined when there is nothing to do. */
export function suggestionFor(result: RunResult, refused: readonly string[] = []): string | undefined {
  switch (result.status) {
    case 'awaiting_approval': {
      const id = result.approvalId ?? '<id>';
      return `decide the ticket: roku approval approve ${id}  or  roku approval reject ${id}`;
    }
    case 'interrupted':
      return FIXES.ROKU_RUN_INTERRUPTED;
    case 'failed': {
      const fix = result.error === undefined ? undefined : FIXES[result.error.code];
      return fix ?? `see what happened with roku trace ${result.runId}`;
    }
    case 'succeeded':
    case 'running':
      return refused.length === 0
        ? undefined
        : `${[...new Set(refused)].join(', ')} needed approval and was refused in pipe mode; use the interactive roku chat, or pass --yes-always to approve every call`;
  }
}

export function reportOf(result: RunResult, refused: readonly string[] = []): RunReport {
  const suggestion = suggestionFor(result, refused);
  return {
    ok: result.status === 'succeeded',
    request_id: result.runId,
    session_id: result.sessionId,
    status: result.status,
    message: result.message,
    model: result.model,
    ...(result.error === undefined
      ? {}
      : { error: { code: result.error.code, message: result.error.message } }),
    ...(suggestion === undefined ? {} : { suggestion }),
    ...(result.approvalId === undefined ? {} : { approval_id: result.approvalId }),
    steps: result.steps,
    usage: {
      prompt_tokens: result.usage.promptTokens,
      output_tokens: result.usage.outputTokens,
      cache_read_input_tokens: result.usage.cacheReadTokens,
      cache_creation_input_tokens: result.usage.cacheWriteTokens,
      estimated_cost_usd: result.usage.estimatedCostUsd,
    },
  };
}

/** The report for a run that could not start (bad config, no runtime, empty input, …). */
export function errorReport(err: unknown, sessionId: string | null): RunReport {
  const error = errorJson(err);
  const fix = FIXES[error.code];
  return {
    ok: false,
    request_id: null,
    session_id: sessionId,
    status: 'failed',
    message: error.message,
    model: null,
    error,
    ...(fix === undefined ? {} : { suggestion: fix }),
    steps: 0,
    usage: {
      prompt_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      estimated_cost_usd: 0,
    },
  };
}

/** Lines telling a person that a run stopped on a ticket, what it wants, and the commands that continue it. */
export function pausedLines(result: RunResult, ticket: ApprovalRow | undefined): string[] {
  const id = result.approvalId ?? ticket?.id ?? '<id>';
  const lines = [`paused: run ${result.runId} waits for approval of ticket ${id}`];
  if (ticket !== undefined) {
    lines.push(
      `  tool:   ${safe(ticket.toolName)}${ticket.risk.length === 0 ? '' : ` [${safe(ticket.risk.join(', '))}]`}`,
    );
    lines.push(`  args:   ${oneLine(ticket.arguments, 200)}`);
    lines.push(`  digest: ${ticket.digest}`);
    if (ticket.note !== null) lines.push(`  note:   ${safe(ticket.note)}`);
  }
  lines.push(`review the whole call: roku approval show ${id}`);
  lines.push('then continue with one of:');
  lines.push(
    `  roku approval approve ${id}${ticket === undefined ? '' : ` --digest ${ticket.digest.slice(0, 16)}`}`,
  );
  lines.push(`  roku approval reject ${id}`);
  return lines;
}

/**
 * Human explanation of a run that did not succeed, with the fix (stderr). Returns nothing for a success.
 */
export function statusLines(result: RunResult, style: Style, ticket?: ApprovalRow): string[] {
  switch (result.status) {
    case 'succeeded':
    case 'running':
      return [];
    case 'awaiting_approval':
      return pausedLines(result, ticket).map((l, i) => (i === 0 ? style.yellow(l) : l));
    case 'interrupted':
      return [
        style.yellow(`interrupted: ${safe(result.message)}`),
        `  fix: ${FIXES.ROKU_RUN_INTERRUPTED ?? ''}`,
      ];
    case 'failed': {
      const code = result.error === undefined ? '' : ` [${result.error.code}]`;
      return [
        style.red(`failed: ${safe(result.error?.message ?? result.message)}${safe(code)}`),
        `  fix: ${suggestionFor(result) ?? ''}`,
      ];
    }
  }
}

/** The dim usage line shown after each run. */
export function usageText(result: RunResult, style: Style): string {
  return style.dim(usageLine(result));
}
