import type { PluginContext } from '@roku/plugin-api';

/** In flight at most; the sandbox allows 256 capability requests per call. */
const WINDOW = 32;

/**
 * Streams events to the host without waiting for each to be acknowledged: the next chunk is read while the
 * previous delta is on its way (the channel keeps them in order). `flush` waits for all of them and rethrows
 * the first failure; call it before returning the answer.
 */
export class EventPipe {
  readonly #ctx: PluginContext;
  readonly #pending: Promise<void>[] = [];
  #failed = false;
  #error: unknown;

  constructor(ctx: PluginContext) {
    this.#ctx = ctx;
  }

  async send(event: unknown): Promise<void> {
    this.#pending.push(
      this.#ctx.emit(event).catch((err: unknown) => {
        if (!this.#failed) {
          this.#failed = true;
          this.#error = err;
        }
      }),
    );
    if (this.#pending.length >= WINDOW) await this.#pending.shift();
  }

  async flush(): Promise<void> {
    await Promise.all(this.#pending.splice(0));
    if (this.#failed) throw this.#error;
  }
}
