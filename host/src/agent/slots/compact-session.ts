import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';
import type { Store } from '../../store/types.js';
import type { AgentSnapshot } from '../assembled.js';
import type { AgentSettings } from '../settings.js';
import { callContextEngine } from './context.js';

/**
 * `/compact`: asks the context engine (through the same slot call as the loop: checked answer, fallback to the
 * default) to compact a session's messages, then replaces the older ones with the engine's summary. Nothing
 * changes when there is nothing to gain or no engine answers.
 *
 * @throws ROKU_SESSION_NOT_FOUND
 */
export async function compactSession(
  deps: { readonly store: Store; readonly settings: AgentSettings; readonly logger: Logger },
  snapshot: AgentSnapshot,
  sessionId: string,
): Promise<{ discarded: number; retained: number }> {
  const { store, settings } = deps;
  if (store.getSession(sessionId) === undefined) {
    throw new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${sessionId}`);
  }
  const stored = store.listMessages(sessionId);
  const unchanged = { discarded: 0, retained: stored.length };
  if (snapshot.context === undefined || stored.length < 3) return unchanged;
  const messages = stored.map((m) => m.message);
  const answer = await callContextEngine(
    snapshot.context,
    'context.compact',
    {
      request: { model: 'compact', messages },
      contextWindow: settings.contextWindowTokens,
      compactThresholdRatio: settings.compactThresholdRatio,
      force: true,
      sessionId,
    },
    { logger: deps.logger },
  );
  const result = answer?.request.messages;
  if (result === undefined || result.length >= messages.length) return unchanged;
  // The engine keeps a tail of the original messages and puts a summary before it.
  let kept = 0;
  while (
    kept < result.length &&
    kept < messages.length &&
    result[result.length - 1 - kept]?.content === messages[messages.length - 1 - kept]?.content
  ) {
    kept += 1;
  }
  const summary = result.slice(0, result.length - kept).find((m) => m.role === 'user' || m.role === 'system');
  const keepFrom = stored[stored.length - kept]?.seq;
  if (summary === undefined || keepFrom === undefined) return unchanged;
  return store.compactMessages(sessionId, keepFrom, { role: 'user', content: summary.content });
}
