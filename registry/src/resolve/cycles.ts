/**
 * Finds one dependency cycle among chosen plugins, as the ids along it with the first repeated at the end
 * (`a → b → a`), or undefined. Roots are visited in order, so the cycle reported is stable.
 */
export function findCycle(
  roots: readonly string[],
  edges: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const at = onPath.get(id);
    if (at !== undefined) return [...path.slice(at), id];
    if (done.has(id)) return undefined;
    onPath.set(id, path.length);
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return undefined;
  };
  for (const root of roots) {
    const cycle = visit(root);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
