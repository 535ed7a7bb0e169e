// Loop events sit below both the store, which records them, and the agent, which emits them.

/**
 * Loop events: what a run reports while it works. Names and field names follow the Roku loop's wire format
 * (snake_case fields) so that `--json` output, traces and HTTP streams can be keyed on them. Every event carries
 * `step` and `agent_id` (`main`, or `sub-<n>` for a sub-agent).
 */
interface Base {
  readonly step: number;
  readonly agent_id: string;
}

export type LoopEvent =
  | (Base & {
      readonly type: 'RunStarted';
      readonly run_id: string;
      readonly session_id: string;
      readonly snapshot: number;
    })
  | (Base & { readonly type: 'LlmTextDelta'; readonly text: string })
  | (Base & {
      readonly type: 'LlmDecisionComplete';
      readonly model_id: string;
      readonly finish_reason: string;
      readonly tool_calls: number;
      /** Milliseconds from sending the request to its first streamed text or tool call (absent: none came). */
      readonly ttft_ms?: number;
      /** Milliseconds from sending the request to the complete answer, retries included. */
      readonly stream_ms?: number;
    })
  | (Base & {
      readonly type: 'CacheBreakDetected';
      readonly reason: string;
      readonly tokens_lost: number;
      /** system_prompt, tool_schema, model or unknown. */
      readonly component_changed: string;
      readonly diagnostic_path: string;
    })
  | (Base & {
      readonly type: 'OutputSlotEscalated';
      readonly initial_max_tokens: number;
      readonly escalated_max_tokens: number;
      readonly model_id: string;
    })
  | (Base & {
      readonly type: 'OutputSlotEscalationUnsupported';
      readonly model_id: string;
      readonly provider: string;
    })
  | (Base & {
      readonly type: 'ToolStart';
      readonly tool_name: string;
      readonly tool_call_id: string;
      readonly args_summary: string;
    })
  | (Base & {
      readonly type: 'ToolEnd';
      readonly tool_name: string;
      readonly tool_call_id: string;
      readonly elapsed_ms: number;
      readonly result_summary: string;
      readonly is_error: boolean;
      /** A unified diff the tool reported (its result's top-level `diff` string, cut), for the user to see. */
      readonly diff?: string;
    })
  | (Base & {
      readonly type: 'ApprovalRequested';
      readonly approval_id: string;
      readonly tool_name: string;
      readonly digest: string;
      readonly risk: readonly string[];
      readonly args_summary: string;
    })
  | (Base & {
      readonly type: 'ApprovalDecided';
      readonly approval_id: string;
      readonly tool_name: string;
      readonly decision: 'approved' | 'rejected' | 'denied';
      readonly by: string;
      readonly reason?: string;
    })
  | (Base & { readonly type: 'StepComplete'; readonly remaining_steps: number })
  | (Base & {
      readonly type: 'TokenUsage';
      readonly prompt_tokens: number;
      readonly output_tokens: number;
      readonly total_tokens: number;
      readonly cache_creation_input_tokens: number;
      readonly cache_read_input_tokens: number;
      readonly estimated_cost_usd: number;
      readonly model_id: string;
    })
  | (Base & { readonly type: 'MicrocompactRan'; readonly freed_tokens: number })
  | (Base & { readonly type: 'MidCompactLayer1Ran'; readonly messages_collapsed: number })
  | (Base & { readonly type: 'MidCompactLayer2Ran'; readonly messages_replaced: number })
  | (Base & {
      readonly type: 'AutoCompactSummarizerCalled';
      readonly succeeded: boolean;
      readonly failure: string;
    })
  | (Base & { readonly type: 'AutoCompactCircuitBreakerTripped'; readonly consecutive_failures: number })
  | (Base & { readonly type: 'CompactTriggered'; readonly estimated_tokens: number })
  | (Base & {
      readonly type: 'CompactComplete';
      readonly llm_succeeded: boolean;
      readonly elapsed_ms: number;
    })
  | (Base & { readonly type: 'ReactiveCompactTriggered'; readonly detail: string })
  | (Base & {
      readonly type: 'ToolBudgetCheck';
      readonly per_turn_tool_tokens: number;
      readonly exceeded: boolean;
    })
  | (Base & {
      readonly type: 'ProviderRetry';
      readonly provider: string;
      readonly model_id: string;
      readonly attempt: number;
      readonly delay_ms: number;
      readonly code: string;
    })
  | (Base & {
      readonly type: 'PluginFallback';
      readonly slot: string;
      readonly plugin_id: string;
      readonly fallback_id: string;
      readonly reason: string;
    })
  | (Base & { readonly type: 'Error'; readonly code: string; readonly message: string })
  | (Base & { readonly type: 'RunFinished'; readonly status: RunStatus; readonly message: string });

export type LoopEventType = LoopEvent['type'];

/**
 * Where a run is:
 * - running: a process is driving it
 * - awaiting_approval: paused on a ticket; approve or reject resumes it (in any process)
 * - succeeded / failed: finished
 * - interrupted: cancelled (ctrl-C) or its process died; the session stays consistent
 */
export type RunStatus = 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'interrupted';

/** Short, single-line text for `args_summary` / `result_summary`. */
export function summarize(value: unknown, max = 160): string {
  let text: string;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols, whatever its type says.
    const json = typeof value === 'string' ? value : (JSON.stringify(value) as string | undefined);
    text = json ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Every event type name, for validating `--json` output and traces. */
export const LOOP_EVENT_TYPES: readonly LoopEventType[] = [
  'RunStarted',
  'LlmTextDelta',
  'LlmDecisionComplete',
  'ToolStart',
  'ToolEnd',
  'ApprovalRequested',
  'ApprovalDecided',
  'StepComplete',
  'TokenUsage',
  'MicrocompactRan',
  'MidCompactLayer1Ran',
  'MidCompactLayer2Ran',
  'AutoCompactSummarizerCalled',
  'AutoCompactCircuitBreakerTripped',
  'CompactTriggered',
  'CompactComplete',
  'ReactiveCompactTriggered',
  'ToolBudgetCheck',
  'ProviderRetry',
  'CacheBreakDetected',
  'OutputSlotEscalated',
  'OutputSlotEscalationUnsupported',
  'PluginFallback',
  'Error',
  'RunFinished',
];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the loop stamps it with `step` and `agent_id`. */
export type LoopEventInput = DistributiveOmit<LoopEvent, 'step' | 'agent_id'>;
