import type { LoopEvent } from '@roku/host';

/** A run's event with its stream id: its 1-based position among the run's events, also across resumes. */
export interface NumberedEvent {
  readonly id: number;
  readonly event: LoopEvent;
}

type Listener = (item: NumberedEvent | 'end') => void;

/**
 * The events of one run, numbered, with live listeners. A stream that reconnects with `Last-Event-ID: n` gets
 * every event after n from here, then the live ones, so nothing is missed or sent twice. The log is "open"
 * while a process drives the run; it closes when the run finishes or pauses on an approval, and opens again
 * when the approval resumes it.
 */
export class EventLog {
  readonly #events: NumberedEvent[] = [];
  readonly #listeners = new Set<Listener>();
  #open = false;

  /** `earlier`: events the run recorded before this log existed (a run resumed after a restart). */
  constructor(earlier: readonly LoopEvent[] = []) {
    for (const event of earlier) this.#events.push({ id: this.#events.length + 1, event });
  }

  get open(): boolean {
    return this.#open;
  }

  get lastId(): number {
    return this.#events.length;
  }

  reopen(): void {
    this.#open = true;
  }

  append(event: LoopEvent): void {
    const item = { id: this.#events.length + 1, event };
    this.#events.push(item);
    for (const listener of this.#listeners) listener(item);
  }

  close(): void {
    this.#open = false;
    for (const listener of [...this.#listeners]) listener('end');
  }

  /** Events with an id above `lastId`. */
  since(lastId: number): NumberedEvent[] {
    return this.#events.slice(Math.max(0, lastId));
  }

  /** Hears every later event and 'end' when the log closes; returns the unsubscribe. */
  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}
