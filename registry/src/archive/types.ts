import type { PluginManifest } from '@roku/schemas';

/** One file of a package: its path inside the package, its size and its hex sha256. */
export interface PackageFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** What packing or extracting a package yields: the validated manifest and every file, sorted by path. */
export interface PackageContents {
  readonly manifest: PluginManifest;
  readonly files: readonly PackageFile[];
}
