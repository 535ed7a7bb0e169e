import type { ChatAnswer, ChatCall, ChatMessage, ChatRequest, ChatResponse } from '@roku/schemas/abi';
import type { PluginContext } from '../context.js';

type Chat = (request: ChatRequest, ctx: PluginContext) => ChatResponse | Promise<ChatResponse>;

/**
 * States a realm keeps. A session's realm answers one request at a time; the previous state stays for a request
 * the host retries after a failed answer (the host only moves on when an answer came back).
 */
const KEPT_STATES = 4;

/** Thrown when `since` names messages this realm does not hold: the host sends the whole request again. */
function stateLost(detail: string): Error {
  return Object.assign(new Error(`continued provider request: ${detail}`), {
    code: 'ROKU_PROVIDER_STATE_LOST',
  });
}

/**
 * Wraps a provider's `chat` so that a session's requests cross the boundary as what is new only: the realm keeps
 * the messages of its last answers, and a request with `since` is rebuilt from them before `chat` sees it. The
 * plugin's code always gets the whole request, so copying the conversation into the sandbox no longer grows with
 * the session. Messages are kept as given: a provider must read its request, not change it.
 */
export function continuedChat(chat: Chat): (call: ChatCall, ctx: PluginContext) => Promise<ChatAnswer> {
  const kept = new Map<string, readonly ChatMessage[]>();
  let counter = 0;
  return async (call, ctx) => {
    const { since, keep, ...request } = call;
    let whole: ChatRequest = request;
    if (since !== undefined) {
      const held = kept.get(since.state);
      if (held === undefined) throw stateLost(`state '${since.state}' is not held here`);
      if (!Number.isInteger(since.count) || since.count < 0 || since.count > held.length) {
        throw stateLost(`state '${since.state}' holds ${held.length} messages, not ${since.count}`);
      }
      whole = { ...request, messages: held.slice(0, since.count).concat(request.messages) };
    }
    const messages = whole.messages;
    // A plugin's answer is whatever its code returned; the host checks it.
    const answer: unknown = await chat(whole, ctx);
    const sessionId = request.sessionId;
    if (
      keep !== true ||
      sessionId === undefined ||
      typeof answer !== 'object' ||
      answer === null ||
      !Array.isArray(messages)
    ) {
      return answer as ChatAnswer;
    }
    counter += 1;
    const state = `${sessionId.slice(0, 96)}#${counter}`;
    kept.set(state, messages.slice());
    if (kept.size > KEPT_STATES) {
      const oldest = kept.keys().next();
      if (oldest.done !== true) kept.delete(oldest.value);
    }
    return { ...(answer as ChatAnswer), state };
  };
}
