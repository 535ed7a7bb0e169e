import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexStore } from './index-store.js';
import { highestRelease, isMissing } from './index-store.js';

/** One search hit: the plugin and its latest version. */
export interface SearchHit {
  readonly name: string;
  readonly version: string;
  readonly description: string;
}

/** Plugins whose id, description or contribution names contain `text` (case-insensitive), by id. */
export async function searchRegistry(store: IndexStore, text: string): Promise<SearchHit[]> {
  const needle = text.toLowerCase();
  const hits: SearchHit[] = [];
  const scopes = await readdir(store.root, { withFileTypes: true }).catch((err: unknown) => {
    if (isMissing(err)) return [];
    throw err;
  });
  for (const scope of scopes.filter((d) => d.isDirectory() && d.name.startsWith('@'))) {
    const names = await readdir(join(store.root, scope.name), { withFileTypes: true });
    for (const entry of names.filter((d) => d.isDirectory())) {
      const doc = await store.getDocument(`${scope.name}/${entry.name}`);
      const version = doc?.distTags.latest ?? (doc === undefined ? undefined : highestRelease(doc.versions));
      const summary = version === undefined ? undefined : doc?.versions[version]?.manifest;
      if (doc === undefined || version === undefined || summary === undefined) continue;
      const haystack = [doc.name, summary.description, ...Object.values(summary.contributes).flat()]
        .join('\n')
        .toLowerCase();
      if (haystack.includes(needle)) hits.push({ name: doc.name, version, description: summary.description });
    }
  }
  return hits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
