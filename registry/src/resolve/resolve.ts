import { RokuError } from '@roku/schemas';
import type { IndexDocument } from '../index-doc/types.js';
import type { PackageSpec } from '../spec.js';
import { findCycle } from './cycles.js';
import { createRegistryRouter } from './routing.js';
import type { Constraint } from './select.js';
import { selectVersion, stillFits } from './select.js';
import type {
  PlannedPackage,
  RegistryConfig,
  ResolutionPlan,
  ResolveOptions,
  ResolveWarning,
} from './types.js';

const REQUEST = '(request)';
/** Guards against choices that keep displacing each other; real graphs settle in a few rounds. */
const MAX_ROUNDS = 10_000;

interface Fetched {
  readonly doc: IndexDocument;
  readonly registry: RegistryConfig;
}

interface Walk {
  readonly order: string[];
  readonly constraints: Map<string, Constraint[]>;
  readonly edges: Map<string, string[]>;
}

/**
 * Resolves requests to one version per plugin, following dependencies transitively. Rules: a range picks the
 * highest satisfying version that is not yanked (a yanked one only by exact version, with a warning); a
 * dist-tag picks the version it points at; every chosen version's `engines.roku` must accept
 * `hostApiVersion`; locked then installed versions are kept while they still fit. A scope listed by a
 * registry is looked up there only. The search is greedy: a parent's version is never lowered to make room
 * for a child.
 *
 * @throws ROKU_REGISTRY_NOT_FOUND, ROKU_REGISTRY_NO_MATCH, ROKU_REGISTRY_CONFLICT,
 *   ROKU_REGISTRY_ENGINE_MISMATCH, ROKU_REGISTRY_CYCLE, ROKU_REGISTRY_BAD_SOURCES, ROKU_REGISTRY_INDEX_INVALID.
 * @example
 * const plan = await resolve([parsePackageSpec('@acme/search@^1')], {
 *   registries: [{ name: 'local', scopes: [], source: createLocalRegistry(dir) }],
 *   hostApiVersion: '0.1.0',
 * });
 */
export async function resolve(
  requests: readonly PackageSpec[],
  options: ResolveOptions,
): Promise<ResolutionPlan> {
  const route = createRegistryRouter(options.registries);
  const cache = new Map<string, Promise<Fetched>>();
  const fetch = (id: string): Promise<Fetched> => {
    let pending = cache.get(id);
    if (pending === undefined) {
      const registry = route(id);
      pending = registry.source.getDocument(id).then((doc) => {
        if (doc === undefined) {
          const owned = registry.scopes.some((s) => id.startsWith(`${s}/`));
          throw new RokuError(
            'ROKU_REGISTRY_NOT_FOUND',
            `${id} is not in registry '${registry.name}'${owned ? ` (the only registry for ${id.slice(0, id.indexOf('/'))})` : ''}`,
            { details: { id, registry: registry.name } },
          );
        }
        if (doc.name !== id) {
          throw new RokuError(
            'ROKU_REGISTRY_INDEX_INVALID',
            `registry '${registry.name}' answered for ${id} with the document of ${doc.name}`,
            {
              details: { id, registry: registry.name, issues: [{ path: '/name', message: `must be ${id}` }] },
            },
          );
        }
        return { doc, registry };
      });
      cache.set(id, pending);
    }
    return pending;
  };

  const preferred = (id: string): string[] =>
    [options.locked?.plugins[id]?.version, options.installed?.[id]].filter(
      (v): v is string => v !== undefined,
    );
  const chosen = new Map<string, string>();
  const warnings = new Map<string, string | undefined>();
  const choose = (id: string, doc: IndexDocument, constraints: readonly Constraint[]): void => {
    const selection = selectVersion(id, doc, constraints, {
      hostApiVersion: options.hostApiVersion,
      preferred: preferred(id),
    });
    chosen.set(id, selection.version);
    warnings.set(id, selection.warning);
  };

  // One round walks the graph of current choices (choosing for newly reached plugins on the way), then
  // re-chooses the first plugin whose choice no longer satisfies everything asking for it.
  const walk = async (): Promise<Walk> => {
    const constraints = new Map<string, Constraint[]>();
    const edges = new Map<string, string[]>();
    const order: string[] = [];
    const add = (id: string, c: Constraint): void => {
      const list = constraints.get(id);
      if (list === undefined) {
        constraints.set(id, [c]);
        order.push(id);
      } else list.push(c);
    };
    for (const r of requests) add(r.id, { from: REQUEST, range: r.range, tag: r.tag });
    for (let i = 0; i < order.length; i++) {
      const id = order[i] ?? '';
      const { doc } = await fetch(id);
      if (!chosen.has(id)) choose(id, doc, constraints.get(id) ?? []);
      const version = chosen.get(id) ?? '';
      const deps = doc.versions[version]?.manifest.dependencies ?? {};
      edges.set(id, Object.keys(deps));
      // Fetch every dependency's document at once; the walk then finds them cached.
      for (const dep of Object.keys(deps)) void fetch(dep).catch(() => undefined);
      for (const [dep, range] of Object.entries(deps)) {
        add(dep, { from: `${id}@${version}`, range, tag: undefined });
      }
    }
    return { order, constraints, edges };
  };

  for (let round = 0; ; round++) {
    if (round === MAX_ROUNDS) {
      throw new RokuError('ROKU_REGISTRY_CONFLICT', `resolution did not settle after ${MAX_ROUNDS} rounds`, {
        details: { rounds: MAX_ROUNDS },
      });
    }
    const { order, constraints, edges } = await walk();
    for (const id of [...chosen.keys()]) if (!constraints.has(id)) chosen.delete(id);
    let changed = false;
    for (const id of order) {
      const { doc } = await fetch(id);
      const list = constraints.get(id) ?? [];
      if (!stillFits(doc, chosen.get(id) ?? '', list, options.hostApiVersion)) {
        choose(id, doc, list);
        changed = true;
        break;
      }
    }
    if (changed) continue;
    const cycle = findCycle(order, edges);
    if (cycle !== undefined) {
      throw new RokuError('ROKU_REGISTRY_CYCLE', `dependency cycle: ${cycle.join(' → ')}`, {
        details: { cycle },
      });
    }
    return plan(requests, order, edges, chosen, warnings, fetch);
  }
}

async function plan(
  requests: readonly PackageSpec[],
  order: readonly string[],
  edges: ReadonlyMap<string, readonly string[]>,
  chosen: ReadonlyMap<string, string>,
  notes: ReadonlyMap<string, string | undefined>,
  fetch: (id: string) => Promise<Fetched>,
): Promise<ResolutionPlan> {
  const dependents = new Map<string, string[]>();
  for (const [from, tos] of edges)
    for (const to of tos) dependents.set(to, [...(dependents.get(to) ?? []), from]);
  const requested = new Set(requests.map((r) => r.id));
  const packages: PlannedPackage[] = [];
  const warnings: ResolveWarning[] = [];
  for (const id of [...order].sort()) {
    const version = chosen.get(id) ?? '';
    const { doc, registry } = await fetch(id);
    const entry = doc.versions[version];
    if (entry === undefined) continue;
    packages.push({
      id,
      version,
      registry: registry.name,
      integrity: entry.integrity,
      archive: entry.archive,
      signatures: entry.signatures,
      manifestSummary: entry.manifest,
      requested: requested.has(id),
      dependencyOf: [...new Set(dependents.get(id) ?? [])].sort(),
    });
    const note = notes.get(id);
    if (note !== undefined) warnings.push({ id, version, message: note });
  }
  return { packages, warnings };
}
