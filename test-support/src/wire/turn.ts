/** One model answer described once, rendered in each provider's wire format by the `*Frames` functions. */
export interface WireTurn {
  /** Text pieces, each its own delta. */
  readonly text?: readonly string[];
  /** Tool calls; each argument piece is its own delta. */
  readonly toolCalls?: readonly {
    readonly id: string;
    readonly name: string;
    readonly args: readonly string[];
  }[];
  /** Reasoning (OpenAI summaries) or thinking (Anthropic) pieces. */
  readonly reasoning?: readonly string[];
  /** Why the answer ended (default: tool calls when there are some, else stop). */
  readonly finish?: 'stop' | 'tool_calls' | 'length';
  readonly usage?: {
    readonly input: number;
    readonly output: number;
    readonly cacheRead?: number;
    readonly cacheWrite?: number;
    readonly reasoning?: number;
  };
  readonly model?: string;
  /** Keep-alive comments and ping events between the deltas. */
  readonly pings?: boolean;
  /** An error event after the first text piece, then nothing more. */
  readonly errorMidStream?: { readonly type: string; readonly message: string };
  /** Leave out the final event(s): the stream just stops. */
  readonly truncate?: boolean;
}

export function finishOf(turn: WireTurn): 'stop' | 'tool_calls' | 'length' {
  return turn.finish ?? ((turn.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop');
}
