import type { PluginManifest } from '@roku/schemas';
import { MANIFEST_FILE_NAME, RokuError } from '@roku/schemas';
import { comparePaths } from '../archive/paths.js';
import type { PackageFile } from '../archive/types.js';
import { canonicalJson } from './canonical-json.js';

/** Exactly what a package signature covers. Its canonical JSON is the signed message. */
export interface SigningPayload {
  readonly id: string;
  readonly version: string;
  /** Hex sha256 of the roku.plugin.json bytes in the archive. */
  readonly manifestSha256: string;
  /** Every file in the archive (the manifest included), sorted by path. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}

/** What a payload is built from: the output of `packPlugin` or `unpackPlugin`. */
export interface SignableContents {
  readonly manifest: Pick<PluginManifest, 'id' | 'version'>;
  readonly files: readonly Pick<PackageFile, 'path' | 'sha256'>[];
}

/**
 * Builds the payload a signature covers from a manifest and the package's files.
 *
 * @throws ROKU_REGISTRY_MANIFEST_MISSING when `files` has no roku.plugin.json.
 */
export function signingPayload(contents: SignableContents): SigningPayload {
  const manifestFile = contents.files.find((f) => f.path === MANIFEST_FILE_NAME);
  if (manifestFile === undefined) {
    throw new RokuError('ROKU_REGISTRY_MANIFEST_MISSING', `package files: no ${MANIFEST_FILE_NAME} to sign`);
  }
  return {
    id: contents.manifest.id,
    version: contents.manifest.version,
    manifestSha256: manifestFile.sha256,
    files: contents.files
      .map((f) => ({ path: f.path, sha256: f.sha256 }))
      .sort((a, b) => comparePaths(a.path, b.path)),
  };
}

/** The bytes that are signed: the canonical JSON of the payload, UTF-8 encoded. */
export function payloadBytes(payload: SigningPayload): Buffer {
  return Buffer.from(
    canonicalJson({
      id: payload.id,
      version: payload.version,
      manifestSha256: payload.manifestSha256,
      files: [...payload.files]
        .map((f) => ({ path: f.path, sha256: f.sha256 }))
        .sort((a, b) => comparePaths(a.path, b.path)),
    }),
    'utf8',
  );
}
