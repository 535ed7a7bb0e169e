import type { ChatMessage } from '@roku/plugin-api';
import { CLEARED_TOOL_RESULT } from './microcompact.js';

/** How a mechanical summary message starts. */
export const SUMMARY_HEADER = '[Conversation summary]\n';
/** Characters of a message's text quoted in its summary line. */
export const LINE_CHARS = 200;
const OMITTED = '- (earlier messages omitted)';

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= LINE_CHARS) return flat;
  const end = /[\uD800-\uDBFF]/.test(flat.charAt(LINE_CHARS - 1)) ? LINE_CHARS - 1 : LINE_CHARS;
  return `${flat.slice(0, end)}…`;
}

/** Tool name of every tool call id in the messages. */
export function toolNames(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  return names;
}

export function isSummary(message: ChatMessage): boolean {
  return message.role === 'user' && message.content.startsWith(SUMMARY_HEADER);
}

/** The summary lines of one message; an earlier summary contributes its own lines, so nothing is summarised twice. */
export function summaryLines(message: ChatMessage, names: ReadonlyMap<string, string>): string[] {
  if (isSummary(message)) {
    return message.content
      .slice(SUMMARY_HEADER.length)
      .split('\n')
      .filter((line) => line !== '' && line !== OMITTED);
  }
  switch (message.role) {
    case 'tool': {
      const name = names.get(message.toolCallId ?? '') ?? 'unknown tool';
      const what =
        message.content === CLEARED_TOOL_RESULT
          ? 'result cleared'
          : `${message.isError === true ? 'error' : 'result'} of ${message.content.length} chars`;
      return [`- tool ${name}: ${what}`];
    }
    case 'assistant': {
      const called = (message.toolCalls ?? []).map((call) => call.name);
      const calls = called.length === 0 ? '' : ` [called: ${called.join(', ')}]`;
      return [`- assistant: ${excerpt(message.content)}${calls}`];
    }
    case 'user':
    case 'system':
      return [`- ${message.role}: ${excerpt(message.content)}`];
  }
}

/**
 * The summary message for these lines. Beyond `maxChars` it keeps the first line (usually the task), a marker
 * and the newest lines that fit.
 */
export function summaryMessage(lines: readonly string[], maxChars: number): ChatMessage {
  let body = lines.join('\n');
  const [first = ''] = lines;
  if (body.length > maxChars) {
    const budget = maxChars - first.length - OMITTED.length - 2;
    const newest: string[] = [];
    let used = 0;
    for (let i = lines.length - 1; i >= 1; i--) {
      const line = lines[i] ?? '';
      if (used + line.length + 1 > budget) break;
      newest.unshift(line);
      used += line.length + 1;
    }
    body = [first, OMITTED, ...newest].join('\n');
  }
  return { role: 'user', content: `${SUMMARY_HEADER}${body}` };
}
