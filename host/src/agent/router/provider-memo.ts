import type { ChatCall, ChatMessage, ChatRequest } from '@roku/schemas';
import { asRokuError } from '../abort.js';
import { RealmGuess, sameMessage } from '../slots/context-memo.js';
import type { Sandbox } from '../../sandbox/loaded-sandbox.js';

/** What a provider's realm kept of the session's last answered request (ChatAnswer.state). */
interface ProviderMemo {
  readonly state: string;
  readonly messages: readonly ChatMessage[];
}

/** Sessions whose memo is kept per provider; the least recently used goes first. */
const MAX_SESSIONS = 64;
const MAX_STATE_CHARS = 128;

/** How many first messages `a` and `b` share. */
function commonPrefix(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && sameMessage(a[i], b[i])) i += 1;
  return i;
}

/**
 * Sends one provider's requests of a session as what is new only. A provider built with the SDK answers with a
 * `state` naming the messages its session realm kept; the session's next request then carries `since` (that state
 * and how many of its first messages still open the conversation: compaction may have changed a later one) and
 * the messages after them. When the realm is gone (`ROKU_PROVIDER_STATE_LOST`) the whole request goes again at
 * once, so a guess costs one refused call and never a wrong answer. A plugin that never answers with a state
 * always gets whole requests.
 */
export class ProviderMemos {
  readonly #memos = new Map<string, ProviderMemo>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly realms: RealmGuess,
  ) {}

  async chat(
    request: ChatRequest,
    session: string | undefined,
    send: (call: ChatCall) => Promise<unknown>,
  ): Promise<unknown> {
    if (session === undefined) return send(request);
    const memo = this.#memos.get(session);
    this.#memos.delete(session);
    const likelyHeld = this.realms.called(this.sandbox, session);
    const messages = request.messages;
    if (memo !== undefined && likelyHeld) {
      const count = commonPrefix(messages, memo.messages);
      // Worth it only when the shared prefix is most of the request.
      if (count > 0 && count * 2 >= messages.length) {
        try {
          const answer = await send({
            ...request,
            messages: messages.slice(count),
            keep: true,
            since: { state: memo.state, count },
          });
          this.realms.answered(this.sandbox, true);
          return this.#remember(session, messages, answer);
        } catch (err) {
          if (asRokuError(err).details?.pluginCode !== 'ROKU_PROVIDER_STATE_LOST') throw err;
          this.realms.answered(this.sandbox, false);
        }
      }
    }
    return this.#remember(session, messages, await send({ ...request, keep: true }));
  }

  forget(session: string): void {
    this.#memos.delete(session);
  }

  /** Keeps the answer's state for the session's next request; the router gets the answer without it. */
  #remember(session: string, messages: readonly ChatMessage[], answer: unknown): unknown {
    if (typeof answer !== 'object' || answer === null || !('state' in answer)) return answer;
    const { state, ...rest } = answer;
    if (typeof state === 'string' && state.length > 0 && state.length <= MAX_STATE_CHARS) {
      this.#memos.set(session, { state, messages });
      if (this.#memos.size > MAX_SESSIONS) {
        const oldest = this.#memos.keys().next();
        if (oldest.done !== true) this.#memos.delete(oldest.value);
      }
    }
    return rest;
  }
}
