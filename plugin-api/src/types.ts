/** Neutral shapes shared by providers, the memory slot, the context engine and sub-agent runtimes. */
export type {
  ChatRole,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  FinishReason,
  TokenUsage,
  ToolCall,
  ToolSpec,
  ProviderErrorCode,
  MemoryRecord,
  MemoryScope,
  SubagentTask,
  ContextInput,
  ContextReport,
  ContextResult,
} from '@roku/schemas/abi';
