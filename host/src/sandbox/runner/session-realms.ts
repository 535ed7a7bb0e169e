/**
 * Realms kept for the next call of the same session (never for another session): what one call of a session
 * leaves (caches, clients) is there for its next. Bounded in number (least recently used first out) and in
 * idle time; a realm let go gets the usual drain of its timers (`finish`).
 */
import type { IsolateRealm } from './isolate-realm.js';

/** Realms kept per plugin at most, unless its heap holds fewer (see RealmBudget). */
export const MAX_SESSION_REALMS = 16;
/** A kept realm idle this long is let go. */
export const SESSION_REALM_IDLE_MS = 60_000;

export class SessionRealms {
  readonly #kept = new Map<string, { readonly realm: IsolateRealm; readonly expiry: NodeJS.Timeout }>();
  readonly #finish: (realm: IsolateRealm) => void;

  /** @param finish what becomes of a realm that is let go (released, or drained of its timers first) */
  constructor(finish: (realm: IsolateRealm) => void) {
    this.#finish = finish;
  }

  /** The realm kept for `session`, if it is still usable; it is no longer kept (one call at a time). */
  take(session: string): IsolateRealm | undefined {
    const kept = this.#kept.get(session);
    if (kept === undefined) return undefined;
    this.#kept.delete(session);
    clearTimeout(kept.expiry);
    return kept.realm.released ? undefined : kept.realm;
  }

  /**
   * Keeps a realm for its session's next call, letting the least recently used go to stay within `max`; a realm
   * already kept for the session (a concurrent call's) stays.
   */
  keep(session: string, realm: IsolateRealm, max: number = MAX_SESSION_REALMS): void {
    if (realm.released || this.#kept.has(session) || max <= 0) {
      this.#finish(realm);
      return;
    }
    realm.callId = undefined;
    this.shrinkTo(max - 1);
    const expiry = setTimeout(() => {
      const idle = this.take(session);
      if (idle !== undefined) this.#finish(idle);
    }, SESSION_REALM_IDLE_MS);
    expiry.unref();
    this.#kept.set(session, { realm, expiry });
  }

  /** Lets the least recently used realms go until at most `max` are kept. */
  shrinkTo(max: number): void {
    while (this.#kept.size > Math.max(0, max)) {
      const oldest = this.#kept.keys().next().value;
      if (oldest === undefined) break;
      const evicted = this.take(oldest);
      if (evicted !== undefined) this.#finish(evicted);
    }
  }

  /** Releases every kept realm at once (the plugin is disposed). */
  releaseAll(): void {
    for (const session of [...this.#kept.keys()]) this.take(session)?.release();
  }
}
