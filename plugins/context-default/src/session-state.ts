import { RokuError } from '@roku/plugin-api';
import type { ChatMessage, ContextInput, ContextResult } from '@roku/plugin-api';

/**
 * Characters of message content the engine keeps for its session at most: at most 4 MB per realm, so the 16
 * realms the runner keeps per plugin (one per session) stay well under the manifest's 128 MB. Beyond it the
 * engine keeps nothing and the host sends whole requests.
 */
const MAX_KEPT_CHARS = 2_000_000;

/** The session's messages so far and the engine's last answer to them. */
interface Kept {
  readonly state: string;
  readonly session: string | undefined;
  readonly input: ChatMessage[];
  readonly output: readonly ChatMessage[];
  readonly chars: number;
}

/**
 * What this realm keeps between calls. The runner gives a realm to one session only (the next call of the same
 * session may get it again; another session never does), so one slot is enough, and it dies with the realm.
 */
let kept: Kept | undefined;

function contentChars(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += typeof message.content === 'string' ? message.content.length : 0;
  return chars;
}

/** Same message for the host: a kept answer's message can stand for a new one. */
function sameMessage(a: ChatMessage | undefined, b: ChatMessage | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return (
    a.role === b.role &&
    a.content === b.content &&
    a.toolCallId === b.toolCallId &&
    a.toolCalls === b.toolCalls &&
    a.isError === b.isError
  );
}

/**
 * Runs `layers` on the whole conversation: the input's messages, or with `since`, the kept ones followed by the
 * input's. Keeps the conversation and the answer for the session's next call, and answers with `state` (and,
 * to a `since` input, `keep`: how many of the previous answer's first messages this answer starts with), so
 * neither side copies the unchanged history again.
 *
 * @throws ROKU_CONTEXT_STATE_LOST when `since` names a state this realm does not have
 */
export async function withSessionState(
  input: ContextInput,
  layers: (input: ContextInput) => ContextResult | Promise<ContextResult>,
): Promise<ContextResult> {
  // The input comes from the host as JSON: checked before use.
  const request: unknown = (input as Partial<ContextInput> | null)?.request;
  const raw: unknown =
    typeof request === 'object' && request !== null
      ? (request as { messages?: unknown }).messages
      : undefined;
  // Malformed input goes to the layers as it is, which refuse it (ROKU_COMPACTION_BAD_INPUT).
  if (!Array.isArray(raw)) return layers(input);
  const fresh = raw as ChatMessage[];
  const { since, ...whole } = input;
  const sessionId: unknown = (request as { sessionId?: unknown }).sessionId;
  const session = typeof sessionId === 'string' ? sessionId : undefined;
  let previous: Kept | undefined;
  if (since !== undefined) {
    if (kept?.state !== since.state || kept.input.length !== since.count || kept.session !== session) {
      kept = undefined;
      throw new RokuError(
        'ROKU_CONTEXT_STATE_LOST',
        'context engine: this realm does not hold the state the input continues; send the whole request',
      );
    }
    previous = kept;
  }
  const messages = previous === undefined ? [...fresh] : previous.input.concat(fresh);
  // Kept only once the layers have answered: a failed call leaves nothing to continue from.
  kept = undefined;
  const result = await layers({ ...whole, request: { ...whole.request, messages } });
  const output = result.request.messages;
  let keep = 0;
  if (previous !== undefined) {
    const before = previous.output;
    while (keep < before.length && keep < output.length && sameMessage(before[keep], output[keep])) keep += 1;
  }
  const chars = (previous?.chars ?? 0) + contentChars(fresh);
  const state = chars <= MAX_KEPT_CHARS ? crypto.randomUUID() : undefined;
  if (state !== undefined) kept = { state, session, input: messages, output, chars };
  return {
    request: { ...result.request, messages: output.slice(keep) },
    ...(result.reports === undefined ? {} : { reports: result.reports }),
    ...(result.hint === undefined ? {} : { hint: result.hint }),
    ...(state === undefined ? {} : { state }),
    ...(previous === undefined ? {} : { keep }),
  };
}
