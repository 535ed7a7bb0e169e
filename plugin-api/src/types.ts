/** Neutral shapes shared by providers, the memory slot, the context engine and sub-agent runtimes. */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** Arguments as the model produced them (a JSON object). */
  readonly arguments: unknown;
}

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
  /** assistant messages: the tool calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** tool messages: which call this result answers, and whether it is an error. */
  readonly toolCallId?: string;
  readonly isError?: boolean;
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: unknown;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly maxTokens?: number;
  readonly temperature?: number;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

export type FinishReason = 'stop' | 'tool_calls' | 'max_tokens' | 'content_filter' | 'error';

export interface ChatResponse {
  readonly message: ChatMessage;
  readonly finishReason: FinishReason;
  readonly usage?: TokenUsage;
  readonly model?: string;
}

/** Events a provider emits while it streams (through `ctx.emit`). */
export type ChatStreamEvent =
  | { readonly type: 'text-delta'; readonly text: string }
  | {
      readonly type: 'tool-call-delta';
      readonly index: number;
      readonly id?: string;
      readonly name?: string;
      readonly argumentsDelta?: string;
    }
  | { readonly type: 'usage'; readonly usage: TokenUsage };

export interface MemoryRecord {
  readonly id?: string;
  readonly text: string;
  readonly tags?: readonly string[];
  readonly score?: number;
  readonly createdAt?: number;
}

export interface SubagentTask {
  readonly task: string;
  readonly maxSteps: number;
}
