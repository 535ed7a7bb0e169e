import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManifestValidator, PluginManifest } from '@roku/schemas';
import { RokuError, createManifestValidator } from '@roku/schemas';
import { checkIntegrity, sha256Hex } from '../archive/integrity.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../archive/limits.js';
import type { PackageContents, PackageFile } from '../archive/types.js';
import { unpackPlugin } from '../archive/unpack.js';
import { canonicalJson } from './canonical-json.js';
import { keyId } from './keys.js';
import type { SigningPayload } from './payload.js';
import { signingPayload } from './payload.js';
import type { PackageSignature, VerifiedSigner } from './signature.js';
import { verifyPackageSignature } from './signature.js';

/** Options of {@link verifyArchive}: what the registry index says about this version, and whom to trust. */
export interface VerifyArchiveOptions {
  /** SRI digest from the index (`sha512-…` or `sha256-…`). */
  readonly integrity: string;
  /** The package signature, or every signature the index lists (the first by a trusted key is checked). */
  readonly signature?: PackageSignature | readonly PackageSignature[] | undefined;
  /** Trusted signer keys, `ed25519:<base64>`. */
  readonly trustedKeys: readonly string[];
  /** Accept a package without a signature (a signature that is present is still checked). */
  readonly allowUnsigned?: boolean;
  /** The manifest the index lists for this version; the archive's manifest must be the same document. */
  readonly manifest?: unknown;
  readonly maxFiles?: number;
  readonly maxBytes?: number;
  readonly validator?: ManifestValidator;
  /** Leave the verified files in this folder (which must not exist yet) instead of a removed temp folder. */
  readonly destDir?: string;
}

/** A verified package: its contents, the signed payload, who signed it and where it was extracted. */
export interface VerifiedArchive extends PackageContents {
  readonly payload: SigningPayload;
  /** Undefined for an unsigned package accepted with `allowUnsigned`. */
  readonly signer: VerifiedSigner | undefined;
  /** The extracted folder when `destDir` was given. */
  readonly dir: string | undefined;
}

/** The signature to check: the first by a trusted key, else the first (reported as an unknown signer). */
function pickSignature(
  given: PackageSignature | readonly PackageSignature[] | undefined,
  trustedKeys: readonly string[],
): PackageSignature | undefined {
  if (given === undefined || !Array.isArray(given)) return given as PackageSignature | undefined;
  const list = given as readonly PackageSignature[];
  const trusted = new Set(trustedKeys.map((key) => keyId(key)));
  return list.find((s) => trusted.has(s.keyId)) ?? list[0];
}

async function rehash(dir: string, files: readonly PackageFile[]): Promise<PackageFile[]> {
  const out: PackageFile[] = [];
  for (const file of files) {
    const data = await readFile(join(dir, ...file.path.split('/')));
    out.push({ path: file.path, size: data.byteLength, sha256: sha256Hex(data) });
  }
  return out;
}

function checkIndexedManifest(
  validator: ManifestValidator,
  indexed: unknown,
  archived: PluginManifest,
): void {
  const result = validator.validate(indexed);
  const where = `${archived.id}@${archived.version}`;
  if (!result.ok) {
    throw new RokuError('ROKU_REGISTRY_MANIFEST_MISMATCH', `${where}: the index lists an invalid manifest`, {
      details: { id: archived.id, version: archived.version, issues: result.issues },
    });
  }
  if (canonicalJson(result.value) === canonicalJson(archived)) return;
  const keys = new Set([...Object.keys(result.value), ...Object.keys(archived)]);
  const fields = [...keys].filter(
    (k) =>
      canonicalJson((result.value as unknown as Record<string, unknown>)[k] ?? null) !==
      canonicalJson((archived as unknown as Record<string, unknown>)[k] ?? null),
  );
  throw new RokuError(
    'ROKU_REGISTRY_MANIFEST_MISMATCH',
    `${where}: the archive's roku.plugin.json differs from the indexed manifest at ${fields.map((f) => `/${f}`).join(', ')}`,
    { details: { id: archived.id, version: archived.version, fields } },
  );
}

/**
 * Verifies a downloaded package end to end: the digest of the exact bytes, a safe extraction, file and manifest
 * digests recomputed from the extracted files, the archive manifest against the indexed one, and the signature
 * over exactly those digests.
 *
 * @throws ROKU_REGISTRY_INTEGRITY / ROKU_REGISTRY_BAD_INTEGRITY first, before anything is unpacked.
 * @throws ROKU_REGISTRY_UNSIGNED when there is no signature and `allowUnsigned` is not set.
 * @throws every code of `unpackPlugin` for an unsafe or invalid archive.
 * @throws ROKU_REGISTRY_MANIFEST_MISMATCH when the archive manifest differs from `options.manifest`.
 * @throws ROKU_REGISTRY_UNKNOWN_SIGNER, ROKU_REGISTRY_BAD_SIGNATURE.
 * @example
 * await verifyArchive(bytes, { integrity, signature, manifest, trustedKeys: ['ed25519:…'] });
 */
export async function verifyArchive(
  bytes: Uint8Array,
  options: VerifyArchiveOptions,
): Promise<VerifiedArchive> {
  checkIntegrity(bytes, options.integrity);
  const signature = pickSignature(options.signature, options.trustedKeys);
  if (signature === undefined && options.allowUnsigned !== true) {
    throw new RokuError('ROKU_REGISTRY_UNSIGNED', 'archive: the package is not signed', {
      details: { integrity: options.integrity },
    });
  }
  const validator = options.validator ?? createManifestValidator();
  const temp = options.destDir === undefined ? await mkdtemp(join(tmpdir(), 'roku-verify-')) : undefined;
  const dir = options.destDir ?? join(temp ?? '', 'package');
  let extracted = false;
  let keep = false;
  try {
    const unpacked = await unpackPlugin(bytes, dir, {
      maxFiles: options.maxFiles ?? DEFAULT_ARCHIVE_LIMITS.maxFiles,
      maxBytes: options.maxBytes ?? DEFAULT_ARCHIVE_LIMITS.maxBytes,
      validator,
    });
    extracted = true;
    const files = await rehash(dir, unpacked.files);
    const { manifest } = unpacked;
    if (options.manifest !== undefined) checkIndexedManifest(validator, options.manifest, manifest);
    const payload = signingPayload({ manifest, files });
    const signer =
      signature === undefined ? undefined : verifyPackageSignature(payload, signature, options.trustedKeys);
    keep = options.destDir !== undefined;
    return { manifest, files, payload, signer, dir: keep ? dir : undefined };
  } finally {
    if (temp !== undefined) await rm(temp, { recursive: true, force: true });
    // Only remove what this call extracted: a destDir that already existed is not ours.
    else if (extracted && !keep) await rm(dir, { recursive: true, force: true });
  }
}
