import type { ChatMessage, ChatRequest } from '@roku/plugin-api';

/** Where the request stands: the last user message and how many model answers followed it. */
export interface Conversation {
  /** Content of the last user message ('' when there is none). */
  readonly lastUser: string;
  /** Assistant messages after the last user message: which scripted step of this user turn is due. */
  readonly stepIndex: number;
  /** First number of this answer's default tool call ids, `call_<turn>_<n>`; unique within the request. */
  readonly turn: number;
}

const DEFAULT_ID = /^call_(\d+)_\d+$/;

/** Reads the position of the next answer from the request's messages. */
export function readConversation(request: ChatRequest): Conversation {
  const messages = request.messages;
  let lastUserAt = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUserAt = i;
      break;
    }
  }
  let stepIndex = 0;
  let assistants = 0;
  let nextDefaultId = 0;
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    assistants += 1;
    if (i > lastUserAt) stepIndex += 1;
    for (const call of message.toolCalls ?? []) {
      const taken = DEFAULT_ID.exec(call.id)?.[1];
      if (taken !== undefined) nextDefaultId = Math.max(nextDefaultId, Number(taken) + 1);
    }
  });
  return {
    lastUser: lastUserAt < 0 ? '' : (messages[lastUserAt]?.content ?? ''),
    stepIndex,
    // After compaction fewer assistant messages remain than ids were handed out: never reuse an id.
    turn: Math.max(assistants, nextDefaultId),
  };
}

/** The tool messages at the end of the conversation (results of the latest tool calls), oldest first. */
export function trailingToolResults(messages: readonly ChatMessage[]): ChatMessage[] {
  const results: ChatMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'tool') break;
    results.unshift(message);
  }
  return results;
}

/** The name of the tool a call id belongs to, from the assistant messages' tool calls (newest first). */
export function toolNameOf(messages: readonly ChatMessage[], callId: string | undefined): string | undefined {
  if (callId === undefined) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const call = messages[i]?.toolCalls?.find((c) => c.id === callId);
    if (call !== undefined) return call.name;
  }
  return undefined;
}
