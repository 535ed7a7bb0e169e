export { REGISTRY_ERRORS } from './errors.js';
export { parsePackageSpec } from './spec.js';
export type { PackageSpec } from './spec.js';
export { parseIndexDocument, summarizeManifest } from './index-doc/parse.js';
export { checkIndexSignature, signIndexDocument } from './index-doc/index-signature.js';
export type { IndexTrust } from './index-doc/index-signature.js';
export type {
  IndexDocument,
  IndexDocumentSignature,
  IndexVersion,
  IndexSignature,
  ManifestSummary,
  Permissions,
  ContributionKind,
} from './index-doc/types.js';
export { createLocalRegistry } from './local/local-registry.js';
export type { LocalRegistry, LocalRegistryOptions, PublishInput, SearchHit } from './local/local-registry.js';
export { resolve } from './resolve/resolve.js';
export type {
  RegistrySource,
  RegistryConfig,
  ResolveOptions,
  ResolutionPlan,
  PlannedPackage,
  ResolveWarning,
} from './resolve/types.js';
export {
  LOCKFILE_NAME,
  readLockfile,
  writeLockfile,
  parseLockfile,
  serializeLockfile,
  lockFromPlan,
} from './lockfile/lockfile.js';
export { frozenCheck, assertFrozen } from './lockfile/frozen.js';
export type { LockDifference } from './lockfile/frozen.js';
export type { Lockfile, LockedPlugin } from './lockfile/types.js';
export { packPlugin } from './archive/pack.js';
export type { PackOptions, PackedPlugin } from './archive/pack.js';
export { unpackPlugin, unpackTarGz } from './archive/unpack.js';
export type { EntrySelector } from './archive/unpack.js';
export { packagePathProblem } from './archive/paths.js';
export type { UnpackOptions, UnpackedPlugin } from './archive/unpack.js';
export { computeIntegrity, checkIntegrity } from './archive/integrity.js';
export { DEFAULT_ARCHIVE_LIMITS, MAX_GZIP_RATIO } from './archive/limits.js';
export type { ArchiveLimits } from './archive/limits.js';
export type { PackageFile, PackageContents } from './archive/types.js';
export { generateKeyPair, keyId } from './signing/keys.js';
export { KEY_ROTATION_FILE, signKeyRotation, verifyKeyRotation } from './signing/key-rotation.js';
export type { KeyRotation } from './signing/key-rotation.js';
export type { SigningKeyPair } from './signing/keys.js';
export { canonicalJson } from './signing/canonical-json.js';
export { signingPayload } from './signing/payload.js';
export type { SigningPayload, SignableContents } from './signing/payload.js';
export { signPackage, verifyPackageSignature } from './signing/signature.js';
export type { PackageSignature, VerifiedSigner } from './signing/signature.js';
export { verifyArchive } from './signing/verify-archive.js';
export type { VerifyArchiveOptions, VerifiedArchive } from './signing/verify-archive.js';
export { createRegistryServer, DEFAULT_BODY_LIMIT_BYTES } from './server/server.js';
export type { RegistryServer, RegistryServerOptions } from './server/server.js';
export { createHttpRegistrySource } from './http/source.js';
export type {
  HttpRegistrySource,
  HttpRegistrySourceOptions,
  HttpPublishInput,
  HttpPublishResult,
} from './http/source.js';
export type { FetchFunction } from './http/download.js';
