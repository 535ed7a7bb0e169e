import { RokuError } from '@roku/schemas';
import type { RegistryConfig } from './types.js';

const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;

/** Picks the one registry asked for a plugin id. */
export type RegistryRouter = (id: string) => RegistryConfig;

function bad(message: string, details: Record<string, unknown>): RokuError {
  return new RokuError('ROKU_REGISTRY_BAD_SOURCES', message, { details });
}

/**
 * A registry that lists a scope is the only one asked for ids in it: no fallback to another registry, so a
 * public registry can never shadow a private scope (dependency confusion). Other scopes go to the first registry.
 *
 * @throws ROKU_REGISTRY_BAD_SOURCES when the list is empty, names repeat, a scope is malformed or claimed twice.
 */
export function createRegistryRouter(registries: readonly RegistryConfig[]): RegistryRouter {
  const [fallback] = registries;
  if (fallback === undefined) throw bad('no registry is configured', {});
  const names = new Set<string>();
  const owners = new Map<string, RegistryConfig>();
  for (const registry of registries) {
    if (names.has(registry.name))
      throw bad(`two registries are named '${registry.name}'`, { name: registry.name });
    names.add(registry.name);
    for (const scope of registry.scopes) {
      if (!SCOPE.test(scope)) {
        throw bad(`registry '${registry.name}': '${scope}' is not a scope like @acme`, {
          registry: registry.name,
          scope,
        });
      }
      const owner = owners.get(scope);
      if (owner !== undefined) {
        throw bad(`scope ${scope} is claimed by both '${owner.name}' and '${registry.name}'`, {
          scope,
          registries: [owner.name, registry.name],
        });
      }
      owners.set(scope, registry);
    }
  }
  return (id) => owners.get(id.slice(0, id.indexOf('/'))) ?? fallback;
}
