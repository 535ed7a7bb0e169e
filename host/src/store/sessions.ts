import { RokuError } from '@roku/schemas';
import type { ChatMessage } from '@roku/schemas';
import type { StoreContext } from './context.js';
import {
  checkSessionId,
  messageColumns,
  runNotFound,
  SESSION_ID_PATTERN,
  sessionNotFound,
  sqlLimit,
  toSession,
  toStoredMessage,
} from './rows.js';
import type { MessageDbRow, SessionDbRow } from './rows.js';
import { isForeignKeyError, writeTransaction } from './sqlite.js';
import type { Store, StoredMessage } from './types.js';

const SESSION_SELECT = `
SELECT s.id, s.title, s.created_at, s.updated_at,
  (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id AND m.hidden = 0) AS message_count,
  (SELECT r.id FROM runs r WHERE r.session_id = s.id ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1) AS last_run_id,
  (SELECT r.status FROM runs r WHERE r.session_id = s.id ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1)
    AS last_run_status
FROM sessions s`;

const MESSAGE_COLUMNS =
  'session_id, seq, run_id, role, content, tool_calls, tool_call_id, is_error, created_at';

interface InsertMessage {
  session_id: string;
  seq: number;
  ord: number;
  run_id: string | null;
  role: ChatMessage['role'];
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  is_error: number | null;
  created_at: number;
}

/** Appended messages with the session's `next_seq:created_at` stamp before and after the append. */
export interface Appended {
  readonly stored: StoredMessage[];
  readonly before: string;
  readonly after: string;
}

export type SessionMethods = Pick<
  Store,
  | 'ensureSession'
  | 'touchSession'
  | 'getSession'
  | 'listSessions'
  | 'setSessionTitle'
  | 'appendMessages'
  | 'listMessages'
  | 'compactMessages'
> & {
  /** appendMessages with the session's stamps around it, for the in-memory copies (message-cache.ts). */
  readonly appendStamped: (
    sessionId: string,
    runId: string | null,
    messages: readonly ChatMessage[],
  ) => Appended;
};

/** Longest session name, in Unicode characters (spec §6.5). */
export const SESSION_NAME_MAX_CHARS = 50;

/**
 * A session name as stored: trimmed, runs of whitespace made one space, 1–50 Unicode characters, no control
 * characters. @throws ROKU_SESSION_INVALID_NAME
 */
export function sessionName(name: string): string {
  const normalized = name.trim().replace(/\s+/gu, ' ');
  // characters as a person counts them (an emoji with modifiers is one)
  const chars = Array.from(
    new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(normalized),
  ).length;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const control = /[\u0000-\u001f\u007f-\u009f]/u.test(normalized);
  if (chars < 1 || chars > SESSION_NAME_MAX_CHARS || control) {
    const what = control ? 'has control characters' : `has ${chars} characters`;
    throw new RokuError(
      'ROKU_SESSION_INVALID_NAME',
      `session name ${JSON.stringify(normalized.slice(0, 60))} ${what}; a name is 1-${SESSION_NAME_MAX_CHARS} characters of text`,
      { details: { characters: chars } },
    );
  }
  return normalized;
}

/** Sessions and their messages. */
export function createSessionMethods(ctx: StoreContext): SessionMethods {
  const { db, now } = ctx;
  const selectSession = db.prepare<[string], SessionDbRow>(`${SESSION_SELECT} WHERE s.id = ?`);
  const selectSessions = db.prepare<[number], SessionDbRow>(
    `${SESSION_SELECT} ORDER BY s.updated_at DESC, s.id LIMIT ?`,
  );
  const insertSession = db.prepare<[string, number, number]>(
    'INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const updateTitle = db.prepare<[string, number, string]>(
    'UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?',
  );
  const selectNextSeq = db.prepare<[string], { next_seq: number }>(
    'SELECT next_seq FROM sessions WHERE id = ?',
  );
  // reserves a run of seqs and reads the stamp in one statement (an append is one of a turn's few commits)
  const reserveSeqs = db.prepare<[number, number, string], { next_seq: number; created_at: number }>(
    'UPDATE sessions SET next_seq = next_seq + ?, updated_at = ? WHERE id = ? RETURNING next_seq, created_at',
  );
  const runExists = db.prepare<[string], { session_id: string }>('SELECT session_id FROM runs WHERE id = ?');
  const insertMessage = db.prepare<InsertMessage>(
    `INSERT INTO messages (${MESSAGE_COLUMNS}, ord)
     VALUES (@session_id, @seq, @run_id, @role, @content, @tool_calls, @tool_call_id, @is_error, @created_at, @ord)`,
  );
  const selectVisible = db.prepare<[string], MessageDbRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND hidden = 0 ORDER BY ord, seq`,
  );
  const selectOrd = db.prepare<[string, number], { ord: number }>(
    'SELECT ord FROM messages WHERE session_id = ? AND seq = ?',
  );
  const hideBefore = db.prepare<[string, number]>(
    'UPDATE messages SET hidden = 1 WHERE session_id = ? AND hidden = 0 AND ord < ?',
  );
  const firstKept = db.prepare<[string], { ord: number }>(
    'SELECT ord FROM messages WHERE session_id = ? AND hidden = 0 ORDER BY ord LIMIT 1',
  );
  const countVisible = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM messages WHERE session_id = ? AND hidden = 0',
  );

  const getSession = (id: string) => {
    const row = SESSION_ID_PATTERN.test(id) ? selectSession.get(id) : undefined;
    return row === undefined ? undefined : toSession(row);
  };

  const requireSession = (id: string): number => {
    const row = selectNextSeq.get(id);
    if (row === undefined) throw sessionNotFound(id);
    return row.next_seq;
  };

  /**
   * Inserts messages from the session's next seq (`ord` of a message defaults to its seq), with the session's
   * `next_seq:created_at` stamp before and after. @throws ROKU_SESSION_NOT_FOUND
   */
  const insertMessages = (
    sessionId: string,
    runId: string | null,
    messages: readonly ChatMessage[],
    ordOf: (seq: number) => number = (seq) => seq,
  ): Appended => {
    const createdAt = now();
    const reserved = reserveSeqs.get(messages.length, createdAt, sessionId);
    if (reserved === undefined) throw sessionNotFound(sessionId);
    const first = reserved.next_seq - messages.length;
    const stored = messages.map((message, index) => {
      const row = { session_id: sessionId, seq: first + index, run_id: runId, created_at: createdAt };
      const columns = messageColumns(message);
      insertMessage.run({ ...row, ...columns, ord: ordOf(row.seq) });
      return toStoredMessage({ ...row, ...columns });
    });
    const stamp = (seq: number): string => `${seq}:${reserved.created_at}`;
    return { stored, before: stamp(first), after: stamp(reserved.next_seq) };
  };

  const touchSession = (id: string): void => {
    checkSessionId(id);
    const at = now();
    insertSession.run(id, at, at);
  };
  const ensureSession = writeTransaction(db, (id: string) => {
    touchSession(id);
    const row = selectSession.get(id);
    if (row === undefined) throw sessionNotFound(id);
    return toSession(row);
  });

  const appendStamped = writeTransaction(
    db,
    (sessionId: string, runId: string | null, messages: readonly ChatMessage[]): Appended => {
      // with messages to insert, the run is checked by their foreign key (the session by the seq reservation)
      if (runId !== null && messages.length === 0 && runExists.get(runId) === undefined)
        throw runNotFound(runId);
      try {
        return insertMessages(sessionId, runId, messages);
      } catch (err) {
        throw runId !== null && isForeignKeyError(err) ? runNotFound(runId) : err;
      }
    },
  );

  const compactMessages = db.transaction((sessionId: string, keepFromSeq: number, summary: ChatMessage) => {
    requireSession(sessionId);
    // Cut in conversation order, before the message numbered keepFromSeq; when there is no such message, before
    // where it would be (appended messages have ord = seq).
    const cut = selectOrd.get(sessionId, keepFromSeq)?.ord ?? keepFromSeq;
    const discarded = hideBefore.run(sessionId, cut).changes;
    const retained = countVisible.get(sessionId)?.n ?? 0;
    if (discarded === 0) return { discarded, retained };
    const kept = firstKept.get(sessionId);
    // just below the first kept message: hidden messages may share that ord, visible ones never do
    insertMessages(sessionId, null, [summary], (seq) => (kept === undefined ? seq : kept.ord - 1));
    return { discarded, retained };
  });

  return {
    ensureSession,
    touchSession,
    getSession,
    listSessions: (options) => selectSessions.all(sqlLimit(options?.limit)).map(toSession),
    setSessionTitle(id, title) {
      if (updateTitle.run(sessionName(title), now(), id).changes === 0) throw sessionNotFound(id);
    },
    appendMessages: (sessionId, runId, messages) => appendStamped(sessionId, runId, messages).stored,
    appendStamped,
    listMessages(sessionId) {
      requireSession(sessionId);
      return selectVisible.all(sessionId).map(toStoredMessage);
    },
    compactMessages: (sessionId, keepFromSeq, summary) =>
      compactMessages.immediate(sessionId, keepFromSeq, summary),
  };
}
