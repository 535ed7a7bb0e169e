import type Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage, ChatRequest } from '@roku/plugin-api';

type Block = Anthropic.Messages.ContentBlockParam;
type Param = Anthropic.Messages.MessageParam;

/** The thinking block that led to a set of tool calls (the latest tool-use turn of a session). */
export interface Thought {
  readonly toolUseIds: readonly string[];
  readonly block: Anthropic.Messages.ThinkingBlockParam;
}

/** The thinking block of the last tool-use turn: the API wants it back with that turn's tool results. */
export class ThinkingMemory {
  #thought: Thought | undefined;

  /** Reads a stored {@link Thought}; anything else is ignored. */
  load(raw: string): void {
    try {
      const value = JSON.parse(raw) as Partial<Thought>;
      if (Array.isArray(value.toolUseIds) && value.block?.type === 'thinking')
        this.#thought = value as Thought;
    } catch {
      this.#thought = undefined;
    }
  }

  recall(toolUseId: string): Anthropic.Messages.ThinkingBlockParam | undefined {
    return this.#thought?.toolUseIds.includes(toolUseId) === true ? this.#thought.block : undefined;
  }
}

function assistantBlocks(message: ChatMessage, thinking: ThinkingMemory | undefined): Block[] {
  const blocks: Block[] = [];
  const first = message.toolCalls?.[0];
  const remembered = first === undefined ? undefined : thinking?.recall(first.id);
  if (remembered !== undefined) blocks.push(remembered);
  if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  for (const call of message.toolCalls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: typeof call.arguments === 'object' && call.arguments !== null ? call.arguments : {},
    });
  }
  return blocks;
}

/**
 * The neutral conversation in the Messages API's shape: system messages become `system`, tool results go in
 * user turns (consecutive ones merged, as the API wants alternating roles), and exactly one cache_control
 * marker sits on the last content block of the last message (spec §2.11): the cache then covers tools, system
 * and the whole history, and each turn reads the previous prefix and writes one new cache point.
 */
export function toMessages(
  request: ChatRequest,
  options: { readonly cache: boolean; readonly thinking?: ThinkingMemory | undefined },
): { system: Anthropic.Messages.TextBlockParam[]; messages: Param[] } {
  const system: Anthropic.Messages.TextBlockParam[] = [];
  const messages: Param[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last !== undefined && last.role === role && Array.isArray(last.content)) {
      last.content.push(...blocks);
      return;
    }
    messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        if (message.content !== '') system.push({ type: 'text', text: message.content });
        break;
      case 'user':
        push('user', [{ type: 'text', text: message.content === '' ? '(empty)' : message.content }]);
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId ?? '',
            content: message.content,
            ...(message.isError === true ? { is_error: true } : {}),
          },
        ]);
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, options.thinking));
        break;
    }
  }
  if (options.cache) {
    const last = messages.at(-1);
    const content = last === undefined || !Array.isArray(last.content) ? undefined : last.content;
    const block = content?.at(-1);
    if (
      content !== undefined &&
      block !== undefined &&
      block.type !== 'thinking' &&
      block.type !== 'redacted_thinking'
    ) {
      content[content.length - 1] = { ...block, cache_control: { type: 'ephemeral' } };
    }
  }
  return { system, messages };
}
