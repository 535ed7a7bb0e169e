import type { PluginManifest } from '@roku/schemas';

/** The permissions object of a manifest, also what a user grants and the lockfile records. */
export type Permissions = NonNullable<PluginManifest['permissions']>;

/** Contribution kinds, as named in a manifest's `contributes`. */
export type ContributionKind =
  'providers' | 'tools' | 'memorySlot' | 'contextEngine' | 'subagentRuntimes' | 'bridges';

/** What resolution and consent need from a version's manifest, without downloading its archive. */
export interface ManifestSummary {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly engines: { readonly roku: string };
  readonly dependencies: Readonly<Record<string, string>>;
  readonly runtime: { readonly type: 'isolate' | 'wasm' };
  readonly permissions: Permissions;
  /** Names by kind; the single-slot kinds (memorySlot, contextEngine) are one-item lists. */
  readonly contributes: Readonly<Partial<Record<ContributionKind, readonly string[]>>>;
}

/** An ed25519 signature over the package signing payload (id, version, manifest and file digests). */
export interface IndexSignature {
  readonly keyId: string;
  readonly signature: string;
}

/** One published version in an index document. */
export interface IndexVersion {
  /** `sha512-<base64>` of the archive bytes. */
  readonly integrity: string;
  /** Archive URL, absolute or relative to the index document. */
  readonly archive: string;
  readonly signatures: readonly IndexSignature[];
  readonly manifest: ManifestSummary;
  readonly deprecated?: string;
  readonly yanked?: boolean;
  /** RFC 3339 UTC timestamp. */
  readonly publishedAt: string;
}

/** A registry key's signature over a whole index document, with its validity window. */
export interface IndexDocumentSignature {
  readonly keyId: string;
  /** RFC 3339 UTC timestamp of signing. */
  readonly issuedAt: string;
  /** RFC 3339 UTC timestamp after which clients refuse the document. */
  readonly expires: string;
  /** Base64 Ed25519 signature over the document with this object less `signature`. */
  readonly signature: string;
}

/** The static JSON document a registry serves for one plugin (see registry-index.schema.json). */
export interface IndexDocument {
  readonly name: string;
  readonly versions: Readonly<Record<string, IndexVersion>>;
  readonly distTags: Readonly<Record<string, string>>;
  /** Set by a server that signs its indexes (see `signIndexDocument`). */
  readonly signed?: IndexDocumentSignature;
}
