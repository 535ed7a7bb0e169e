import type { ChatRequest, TokenUsage } from '@roku/plugin-api';
import type { Answer } from './answer.js';

const tokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

/** Estimated usage: a token per 4 characters of the prompt (messages and tool specs) and of the answer. */
export function estimateUsage(request: ChatRequest, answer: Answer): TokenUsage {
  let input = 0;
  for (const message of request.messages) {
    input += message.content.length;
    for (const call of message.toolCalls ?? [])
      input += call.name.length + JSON.stringify(call.arguments).length;
  }
  for (const tool of request.tools ?? []) input += JSON.stringify(tool).length;
  let output = answer.content.length;
  for (const call of answer.toolCalls) output += call.name.length + JSON.stringify(call.arguments).length;
  return { inputTokens: tokens(input), outputTokens: tokens(output) };
}
