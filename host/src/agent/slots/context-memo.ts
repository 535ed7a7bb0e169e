import type { ChatMessage, ContextHint, ContextReport, ToolCall } from '@roku/schemas';
import type { Sandbox } from '../../sandbox/loaded-sandbox.js';
import type { SnapshotPlugin } from '../snapshot/snapshot.js';
import { MAX_SESSION_REALMS, SESSION_REALM_IDLE_MS } from '../../sandbox/runner/session-realms.js';

/**
 * What the host remembers of a context engine's last answer in a session, so that the session's next request
 * goes to the engine as `since` plus the new messages (ContextInput.since), and its answer comes back as
 * `keep` plus the changed rest.
 */
export interface ContextMemo {
  /** The engine that answered: a memo is used with that sandbox only (a reload may bring another one). */
  readonly sandbox: Sandbox;
  /** The engine's name for what it kept. */
  readonly state: string;
  /** Every message the engine was given, in order. */
  readonly input: readonly ChatMessage[];
  /** Its whole answer, checked. */
  readonly output: readonly ChatMessage[];
}

/**
 * The engine's last `beforeRequest` answer in a session that carried a hint (ContextHint): while it holds, the
 * host answers the session's requests from it instead of calling the engine.
 */
export interface HintMemo {
  /** The engine instance that answered, with its settings: a reload, config change or new snapshot ends it. */
  readonly plugin: SnapshotPlugin;
  readonly hint: ContextHint;
  /** The messages of the request the hint answered. */
  readonly input: readonly ChatMessage[];
  /** The engine's whole answer to them, and its reports (given again with every request answered from it). */
  readonly output: readonly ChatMessage[];
  readonly reports: readonly ContextReport[];
  readonly contextWindow: number;
  readonly compactThresholdRatio: number;
  /** Requests answered from it so far (ContextInput.skipped of the engine's next call). */
  skipped: number;
}

/** A session's memo; a run replaces it after each answer (a session has one run at a time). */
export interface ContextMemoBox {
  current: ContextMemo | undefined;
  /** The engine's standing hint in this session, if any. */
  hint?: HintMemo | undefined;
  /** Guesses, for all sessions of the runtime, whether an engine still holds what it kept. */
  readonly realms: RealmGuess;
}

/** Sessions whose memo is kept; the least recently used goes first (the runner keeps 16 realms per plugin). */
const MAX_SESSIONS = 64;
/**
 * What the runner keeps of an isolate plugin (sandbox/runner/session-realms.ts): the realms of its most recent
 * sessions, each for a while after its call at most. A margin on the time keeps guesses on the safe side.
 */
const RUNNER_SESSION_REALMS = MAX_SESSION_REALMS;
const RUNNER_REALM_IDLE_MS = SESSION_REALM_IDLE_MS - 5_000;
/** Continued requests an engine refused in a row (a wasm engine keeps no realm) before it gets whole ones only. */
const MAX_LOST_IN_A_ROW = 3;

/**
 * Whether sending a continued request to an engine is likely to find its realm: the host mirrors the runner's
 * realm retention, so that with more sessions at once than realms kept, a call is not sent twice (refused, then
 * whole) every time.
 */
export class RealmGuess {
  readonly #recent = new WeakMap<Sandbox, Map<string, number>>();
  readonly #lostInARow = new WeakMap<Sandbox, number>();

  /** Records a call of the session; true when the engine probably still holds what it kept for it. */
  called(sandbox: Sandbox, sessionId: string, now = performance.now()): boolean {
    let recent = this.#recent.get(sandbox);
    if (recent === undefined) {
      recent = new Map();
      this.#recent.set(sandbox, recent);
    }
    const held = this.holds(sandbox, sessionId, now);
    recent.delete(sessionId);
    recent.set(sessionId, now);
    if (recent.size > MAX_SESSIONS) {
      const oldest = recent.keys().next();
      if (oldest.done !== true) recent.delete(oldest.value);
    }
    return held && (this.#lostInARow.get(sandbox) ?? 0) < MAX_LOST_IN_A_ROW;
  }

  /** Whether the session's realm in the engine probably lives on (nothing recorded). */
  holds(sandbox: Sandbox, sessionId: string, now = performance.now()): boolean {
    const recent = this.#recent.get(sandbox);
    const last = recent?.get(sessionId);
    if (recent === undefined || last === undefined || now - last >= RUNNER_REALM_IDLE_MS) return false;
    // sessions called since this one (the map is in order of last call)
    let after = 0;
    let seen = false;
    for (const id of recent.keys()) {
      if (seen) after += 1;
      else if (id === sessionId) seen = true;
    }
    return after < RUNNER_SESSION_REALMS;
  }

  /** The engine answered a continued request (`held`) or said it had lost its state. */
  answered(sandbox: Sandbox, held: boolean): void {
    this.#lostInARow.set(sandbox, held ? 0 : (this.#lostInARow.get(sandbox) ?? 0) + 1);
  }
}

/** The memos of one runtime's sessions. */
export class ContextMemos {
  readonly #boxes = new Map<string, ContextMemoBox>();
  readonly #realms = new RealmGuess();

  /** The session's box (created empty), now the most recently used. */
  for(sessionId: string): ContextMemoBox {
    const box = this.#boxes.get(sessionId) ?? { current: undefined, realms: this.#realms };
    this.#boxes.delete(sessionId);
    if (this.#boxes.size >= MAX_SESSIONS) {
      const oldest = this.#boxes.keys().next();
      if (oldest.done !== true) this.#boxes.delete(oldest.value);
    }
    this.#boxes.set(sessionId, box);
    return box;
  }

  forget(sessionId: string): void {
    this.#boxes.delete(sessionId);
  }
}

function sameCalls(a: readonly ToolCall[] | undefined, b: readonly ToolCall[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((call, i) => {
    const other = b[i];
    return (
      other !== undefined &&
      call.id === other.id &&
      call.name === other.name &&
      (call.arguments === other.arguments ||
        JSON.stringify(call.arguments) === JSON.stringify(other.arguments))
    );
  });
}

/**
 * The same message as far as a model sees it. Mostly the same object (the session's messages are cached); a
 * message read back from the store is an equal copy.
 */
export function sameMessage(a: ChatMessage | undefined, b: ChatMessage | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return (
    a.role === b.role &&
    a.content === b.content &&
    a.toolCallId === b.toolCallId &&
    (a.isError === true) === (b.isError === true) &&
    sameCalls(a.toolCalls, b.toolCalls)
  );
}

/** Whether `messages` starts with every message of `prefix`. */
export function startsWith(messages: readonly ChatMessage[], prefix: readonly ChatMessage[]): boolean {
  if (prefix.length > messages.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!sameMessage(messages[i], prefix[i])) return false;
  return true;
}
