import type { Db } from './sqlite.js';
import type { SessionMethods } from './sessions.js';
import type { StoredMessage } from './types.js';

/** Sessions whose visible messages are kept in memory; the least recently listed goes first. */
const MAX_CACHED_SESSIONS = 64;

interface Cached {
  /** `next_seq:created_at` of the session row when `messages` were read: any append or compaction moves it. */
  stamp: string;
  messages: StoredMessage[];
}

export type MessageCache = Pick<SessionMethods, 'listMessages' | 'appendMessages' | 'compactMessages'> & {
  /** Forgets a session (deleted). */
  readonly forget: (sessionId: string) => void;
  /** Forgets every session: an enclosing transaction was rolled back after appends extended the copies. */
  readonly forgetAll: () => void;
};

function freeze(stored: StoredMessage): StoredMessage {
  const { message } = stored;
  if (message.toolCalls !== undefined) {
    for (const call of message.toolCalls) Object.freeze(call);
    Object.freeze(message.toolCalls);
  }
  Object.freeze(message);
  return Object.freeze(stored);
}

/**
 * Keeps each session's visible messages in memory, so that a run does not read and parse the whole session
 * again (a turn's cost must not grow with the session). The cache is checked against the session row on every
 * read, so appends and compactions by other processes are seen; appends through this store extend it.
 * Listed messages are frozen and shared between callers (messages are never changed in place).
 */
export function createMessageCache(db: Db, sessions: SessionMethods): MessageCache {
  const selectStamp = db.prepare<[string], { next_seq: number; created_at: number }>(
    'SELECT next_seq, created_at FROM sessions WHERE id = ?',
  );
  const cache = new Map<string, Cached>();
  const stampOf = (sessionId: string): string | undefined => {
    const row = selectStamp.get(sessionId);
    return row === undefined ? undefined : `${row.next_seq}:${row.created_at}`;
  };
  const remember = (sessionId: string, entry: Cached): void => {
    cache.delete(sessionId);
    if (cache.size >= MAX_CACHED_SESSIONS) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(sessionId, entry);
  };

  // The stamps before and after come from the append's own statement, so no other writer slips in between.
  const append = (...args: Parameters<SessionMethods['appendMessages']>): StoredMessage[] => {
    const [sessionId] = args;
    const { stored, before, after } = sessions.appendStamped(...args);
    stored.forEach(freeze);
    const entry = cache.get(sessionId);
    // appended messages sort after every visible one (their ord is their new seq)
    if (entry !== undefined && entry.stamp === before) {
      entry.messages.push(...stored);
      entry.stamp = after;
    } else {
      cache.delete(sessionId);
    }
    return stored;
  };

  return {
    listMessages(sessionId) {
      const stamp = stampOf(sessionId);
      const entry = stamp === undefined ? undefined : cache.get(sessionId);
      if (entry !== undefined && entry.stamp === stamp) {
        remember(sessionId, entry);
        return entry.messages.slice();
      }
      // throws ROKU_SESSION_NOT_FOUND for an unknown session
      const messages = sessions.listMessages(sessionId).map(freeze);
      if (stamp !== undefined) remember(sessionId, { stamp, messages });
      return messages.slice();
    },
    appendMessages: append,
    compactMessages(sessionId, keepFromSeq, summary) {
      cache.delete(sessionId);
      return sessions.compactMessages(sessionId, keepFromSeq, summary);
    },
    forget: (sessionId) => {
      cache.delete(sessionId);
    },
    forgetAll: () => {
      cache.clear();
    },
  };
}
