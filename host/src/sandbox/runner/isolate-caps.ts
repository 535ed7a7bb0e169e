/**
 * Capability requests from an isolate plugin's realms, on their way to the host: attributed to the call the
 * realm serves (requests a realm makes after its call ended, from timers or stray continuations, belong to no
 * call) and refused once the plugin or the realm is gone.
 */
import type { EngineDeps } from './engine.js';
import { capabilityError } from './capability-client.js';
import type { IsolateRealm } from './isolate-realm.js';
import type { EntryOptions } from './entry-timeout.js';
import type { IsolateActivity } from './isolate-invoke.js';

/** What the forwarding needs of its plugin. */
export interface CapSource {
  readonly pluginKey: string;
  readonly deps: EngineDeps;
  readonly activity: IsolateActivity;
  readonly entryOptions: EntryOptions;
  /** A reply's entry call failed (a timeout, the isolate gone): handled like a timer callback's failure. */
  failed(e: unknown): void;
  /** True once the plugin was disposed. */
  gone(): boolean;
  /** The runner call `realm` serves, while that call runs. */
  callOf(realm: IsolateRealm): number | undefined;
}

/** A request answered by the host: its reply goes back into the realm through the entry. */
export function forwardCap(src: CapSource, realm: IsolateRealm, requestJson: unknown, replyId: number): void {
  if (src.gone() || realm.released) return; // nothing is left to resume
  const reply =
    typeof requestJson === 'string'
      ? src.deps.requestCapability(src.pluginKey, src.callOf(realm), requestJson)
      : Promise.resolve(
          capabilityError('ROKU_CAPABILITY_BAD_REQUEST', 'capability request must be a JSON string'),
        );
  void reply.then((responseJson) => {
    deliverReply(src, realm, replyId, responseJson);
  });
}

/**
 * Resumes the request `replyId` of `realm` with its reply. Where nothing else runs in the isolate, on the
 * runner's thread: what the reply resumes runs there under isolated-vm's timer (a wall clock, as for a call's
 * synchronous part on the fast path). Otherwise on isolated-vm's threads, counted as work running there and
 * policed by the watchdog, which charges CPU time only (no isolated-vm timer, which would charge time the
 * runner waited for a core).
 */
function deliverReply(src: CapSource, realm: IsolateRealm, replyId: number, responseJson: string): void {
  if (src.gone() || realm.released) return;
  const pending = enter(src, realm, ['reply', replyId, responseJson], false);
  if (pending === undefined) {
    realm.replyDelivered();
    return;
  }
  void pending.finally(() => {
    realm.replyDelivered();
  });
}

/**
 * Fires a timer of `realm` through its entry, where a reply would be delivered (see deliverReply); its
 * synchronous part runs under the per-call CPU timeout on either path.
 */
export function fireTimer(src: CapSource, realm: IsolateRealm, timerId: number): Promise<void> {
  if (src.gone() || realm.released) return Promise.resolve();
  return enter(src, realm, ['timer', timerId], true) ?? Promise.resolve();
}

/**
 * Enters the realm's entry with `args`: synchronously where nothing else runs in the isolate (then it returns
 * undefined, done), else on isolated-vm's threads (with the entry's timeout only if `timedOffThread`), returning
 * when that is done. A failure goes to `src.failed`; never throws or rejects.
 */
function enter(
  src: CapSource,
  realm: IsolateRealm,
  args: [string, number] | [string, number, string],
  timedOffThread: boolean,
): Promise<void> | undefined {
  const { activity, entryOptions } = src;
  if (activity.maySyncEnter()) {
    try {
      activity.runSync(() => realm.entry.applySync(undefined, args, entryOptions.at()));
    } catch (e) {
      src.failed(e);
    }
    return undefined;
  }
  return activity
    .track(realm.entry.apply(undefined, args, timedOffThread ? entryOptions.at() : undefined))
    .then(
      () => undefined,
      (e: unknown) => {
        src.failed(e);
      },
    );
}

/**
 * A one-way request (emit, log, fetch.cancel): forwarded, never answered; dropped once the plugin or realm is
 * gone.
 */
export function forwardSend(src: CapSource, realm: IsolateRealm, requestJson: unknown): void {
  if (src.gone() || realm.released || typeof requestJson !== 'string') return;
  src.deps.sendOneWay(src.pluginKey, src.callOf(realm), requestJson);
}
