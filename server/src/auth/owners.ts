import { RokuError } from '@roku/schemas';
import type { AgentRuntime } from '@roku/host';
import type { ServerDb } from '../state/db.js';
import type { TokenInfo } from './tokens.js';

type Store = AgentRuntime['store'];

/**
 * Which token created each session: a token without `admin` sees and acts on only its own sessions (their runs,
 * streams, approvals and OpenAI conversations); another session answers 404, exactly as a missing one, so ids do
 * not leak. Kept in the server's database (the host's store knows nothing of tokens).
 */
export interface SessionOwners {
  /** Whether `token` may see `sessionId` (admin: every session; others: the ones they created). */
  may(token: TokenInfo | undefined, sessionId: string): boolean;
  /**
   * Makes sure `token` may use `sessionId`: a session that does not exist yet is created now (in the host's store)
   * and becomes the token's; an existing one must be the token's. Returns whether it was created (so it has no
   * run yet).
   * @throws ROKU_SESSION_NOT_FOUND when the session is someone else's
   */
  claim(store: Store, token: TokenInfo | undefined, sessionId: string): boolean;
  /**
   * Records the token as the owner of a session id the server just made up (random: no one else can hold it),
   * without asking the store; the run creates the session.
   */
  own(token: TokenInfo | undefined, sessionId: string): void;
  /** @throws ROKU_SESSION_NOT_FOUND when the session does not exist or is not the token's */
  check(store: Store, token: TokenInfo | undefined, sessionId: string): void;
  /** The session ids the token created, or undefined when it sees every session. */
  visible(token: TokenInfo | undefined): ReadonlySet<string> | undefined;
  /** Forgets a deleted session. */
  forget(sessionId: string): void;
  /** Writes owners recorded by `own` now (before the database closes). */
  flush(): void;
}

/** `admin` tokens see every session. */
export function seesAllSessions(token: TokenInfo | undefined): boolean {
  return token?.scopes.includes('admin') === true;
}

/**
 * A reviewer token (`approvals` without `chat`) cannot create sessions, so its job is deciding every session's
 * tickets; a token that chats decides the tickets of its own sessions (admin: all).
 */
export function seesAllApprovals(token: TokenInfo | undefined): boolean {
  return seesAllSessions(token) || (token !== undefined && !token.scopes.includes('chat'));
}

export function sessionNotFound(sessionId: string): RokuError {
  return new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${sessionId}`, { details: { sessionId } });
}

export function createSessionOwners(db: ServerDb, now: () => number = Date.now): SessionOwners {
  const ownerOf = db.prepare<[string], { token_id: string }>(
    'SELECT token_id FROM session_owners WHERE session_id = ?',
  );
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO session_owners (session_id, token_id, created_at) VALUES (?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET token_id = excluded.token_id, created_at = excluded.created_at`,
  );
  const ofToken = db.prepare<[string], { session_id: string }>(
    'SELECT session_id FROM session_owners WHERE token_id = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM session_owners WHERE session_id = ?');
  // Owners of made-up ids are written after the turn of the event loop, off the way to the run's first token
  // (a commit each cost more than the rest of the request); until then they are answered from here.
  const pending = new Map<string, string>();
  let scheduled: NodeJS.Immediate | undefined;
  const writeAll = db.transaction((rows: [string, string][]) => {
    const at = now();
    for (const [sessionId, tokenId] of rows) upsert.run(sessionId, tokenId, at);
  });
  const flush = (): void => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.size === 0) return;
    const rows = [...pending];
    writeAll(rows);
    pending.clear();
  };
  const ownerId = (sessionId: string): string | undefined =>
    pending.get(sessionId) ?? ownerOf.get(sessionId)?.token_id;
  const may = (token: TokenInfo | undefined, sessionId: string): boolean =>
    seesAllSessions(token) || (token !== undefined && ownerId(sessionId) === token.id);
  const own = (token: TokenInfo | undefined, sessionId: string): void => {
    if (token === undefined) return;
    pending.set(sessionId, token.id);
    scheduled ??= setImmediate(flush);
  };
  return {
    flush,
    may,
    claim(store, token, sessionId) {
      if (store.getSession(sessionId) === undefined) {
        // Created here and now, in the same tick as its owner is known: a second token racing for the id finds
        // it taken.
        store.ensureSession(sessionId);
        own(token, sessionId);
        return true;
      }
      if (!may(token, sessionId)) throw sessionNotFound(sessionId);
      return false;
    },
    own,
    check(store, token, sessionId) {
      if (!may(token, sessionId) || store.getSession(sessionId) === undefined)
        throw sessionNotFound(sessionId);
    },
    visible(token) {
      if (seesAllSessions(token)) return undefined;
      if (token === undefined) return new Set();
      flush();
      return new Set(ofToken.all(token.id).map((r) => r.session_id));
    },
    forget(sessionId) {
      pending.delete(sessionId);
      remove.run(sessionId);
    },
  };
}
