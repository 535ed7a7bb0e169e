import type { IndexDocument, IndexSignature, ManifestSummary } from '../index-doc/types.js';
import type { Lockfile } from '../lockfile/types.js';
import type { PackageSpec } from '../spec.js';

/** Anything that can serve index documents: a local folder today, an HTTP client later. */
export interface RegistrySource {
  /** The document of one plugin, or undefined when this registry does not have it. */
  getDocument(name: string): Promise<IndexDocument | undefined>;
}

/** A registry as resolution sees it. */
export interface RegistryConfig {
  readonly name: string;
  /** Scopes (`@acme`) this registry alone serves. Other scopes go to the first registry. */
  readonly scopes: readonly string[];
  readonly source: RegistrySource;
}

export interface ResolveOptions {
  /** The first is the default registry. */
  readonly registries: readonly RegistryConfig[];
  /** The host's plugin-API version; every chosen version's `engines.roku` must accept it. */
  readonly hostApiVersion: string;
  /** Versions in the lockfile are kept whenever they still satisfy every request. */
  readonly locked?: Lockfile;
  /** Installed versions by plugin id, preferred after locked ones. */
  readonly installed?: Readonly<Record<string, string>>;
}

/** One plugin to install. */
export interface PlannedPackage {
  readonly id: string;
  readonly version: string;
  readonly registry: string;
  readonly integrity: string;
  /** Archive URL as the index document gives it (may be relative to the document). */
  readonly archive: string;
  readonly signatures: readonly IndexSignature[];
  readonly manifestSummary: ManifestSummary;
  /** True when one of the requests named this plugin. */
  readonly requested: boolean;
  /** Ids of the chosen plugins that depend on this one, sorted. */
  readonly dependencyOf: readonly string[];
}

/** Something the user should hear about, such as an exact request for a yanked version. */
export interface ResolveWarning {
  readonly id: string;
  readonly version: string;
  readonly message: string;
}

/** What an install would do: plugins sorted by id. */
export interface ResolutionPlan {
  readonly packages: readonly PlannedPackage[];
  readonly warnings: readonly ResolveWarning[];
}

export type { PackageSpec };
