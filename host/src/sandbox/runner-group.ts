import type { EngineKind } from './protocol.js';

/** How runner processes are shared: by the publisher (the id's `@scope`) or not at all (one per plugin). */
export type RunnerIsolation = 'publisher' | 'plugin';

/** The publisher of a plugin id `@scope/name`: its scope, which names who signs and owns it. */
export function publisherOf(pluginId: string): string {
  const slash = pluginId.indexOf('/');
  return slash < 0 ? pluginId : pluginId.slice(0, slash);
}

/**
 * The key of the runner a plugin runs in. Plugins of different publishers never share a process (a V8 bug or
 * a side channel in one runner reaches only its own publisher's plugins); with `plugin` isolation no two
 * plugins do. Versions of one plugin always share.
 */
export function runnerGroup(engine: EngineKind, pluginId: string, isolation: RunnerIsolation): string {
  return `${engine}:${isolation === 'plugin' ? pluginId : publisherOf(pluginId)}`;
}
