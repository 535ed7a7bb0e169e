/**
 * Capability requests from an isolate plugin's realms, on their way to the host: attributed to the call the
 * realm serves (requests a realm makes after its call ended, from timers or stray continuations, belong to no
 * call) and refused once the plugin or the realm is gone.
 */
import type { EngineDeps } from './engine.js';
import { capabilityError } from './capability-client.js';
import type { IsolateRealm } from './isolate-realm.js';
import type { IsolateActivity } from './isolate-invoke.js';

/** What the forwarding needs of its plugin. */
export interface CapSource {
  readonly pluginKey: string;
  readonly cpuMsPerCall: number;
  readonly deps: EngineDeps;
  readonly activity: IsolateActivity;
  /** True once the plugin was disposed. */
  gone(): boolean;
  /** The runner call `realm` serves, while that call runs. */
  callOf(realm: IsolateRealm): number | undefined;
}

/** A request answered by the host. */
export function forwardCap(src: CapSource, realm: IsolateRealm, requestJson: unknown): Promise<string> {
  if (src.gone() || realm.released)
    return Promise.resolve(capabilityError('ROKU_CAPABILITY_FAILED', 'the plugin sandbox was disposed'));
  if (typeof requestJson !== 'string') {
    return Promise.resolve(
      capabilityError('ROKU_CAPABILITY_BAD_REQUEST', 'capability request must be a JSON string'),
    );
  }
  const reply = src.deps.requestCapability(src.pluginKey, src.callOf(realm), requestJson);
  void reply.then(() => {
    src.activity.replied(src.cpuMsPerCall);
  });
  return reply;
}

/** A one-way request (emit, log): forwarded, never answered; dropped once the plugin or realm is gone. */
export function forwardSend(src: CapSource, realm: IsolateRealm, requestJson: unknown): void {
  if (src.gone() || realm.released || typeof requestJson !== 'string') return;
  src.deps.sendOneWay(src.pluginKey, src.callOf(realm), requestJson);
}
