/**
 * Realms kept for the next call of the same session (never for another session): what one call of a session
 * leaves (caches, clients) is there for its next. Bounded in number (least recently used first out) and in
 * idle time; a realm let go gets the usual drain of its timers (`finish`).
 */
import type { IsolateRealm } from './isolate-realm.js';

/** Realms kept per plugin at most, unless its heap holds fewer (see RealmBudget). */
export const MAX_SESSION_REALMS = 16;
/** A kept realm idle this long is let go. */
const SESSION_REALM_IDLE_MS = 60_000;

export class SessionRealms {
  readonly #kept = new Map<string, { readonly realm: IsolateRealm; readonly expiry: NodeJS.Timeout }>();
  readonly #finish: (realm: IsolateRealm) => void;
  /** How many may be kept at once; lowered to what the plugin's heap holds once that is measured. */
  max = MAX_SESSION_REALMS;

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

  /** Keeps a realm for its session's next call; a realm already kept for it (a concurrent call's) stays. */
  keep(session: string, realm: IsolateRealm): void {
    if (realm.released || this.#kept.has(session) || this.max <= 0) {
      this.#finish(realm);
      return;
    }
    realm.callId = undefined;
    while (this.#kept.size >= this.max) {
      const oldest = this.#kept.keys().next().value;
      if (oldest === undefined) break;
      const evicted = this.take(oldest);
      if (evicted !== undefined) this.#finish(evicted);
    }
    const expiry = setTimeout(() => {
      const idle = this.take(session);
      if (idle !== undefined) this.#finish(idle);
    }, SESSION_REALM_IDLE_MS);
    expiry.unref();
    this.#kept.set(session, { realm, expiry });
  }

  /** Releases every kept realm at once (the plugin is disposed). */
  releaseAll(): void {
    for (const session of [...this.#kept.keys()]) this.take(session)?.release();
  }
}
