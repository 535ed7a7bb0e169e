import type { LocalRegistry } from '@roku/registry';
import type { ArchiveSource } from './types.js';

/** Adapts a local directory registry (`createLocalRegistry`) to the installer's archive source. */
export function localArchiveSource(registry: LocalRegistry): ArchiveSource {
  return {
    getDocument: (name) => registry.getDocument(name),
    fetchArchive: (name, version) => registry.readArchive(name, version),
  };
}
