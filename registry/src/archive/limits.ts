/** Caps applied when packing or extracting a plugin package. */
export interface ArchiveLimits {
  /** Most entries (files and folders) a package may hold. */
  readonly maxFiles: number;
  /** Most uncompressed file bytes a package may hold, summed over all files. */
  readonly maxBytes: number;
}

/** Default caps: generous for a bundle plus assets, small enough to stop abuse early. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxFiles: 1000,
  maxBytes: 64 * 1024 * 1024,
});

/**
 * Most tar bytes one gzip byte may expand to once past {@link RATIO_FLOOR_BYTES}. Real packages (bundles,
 * JSON, images) stay far below it; an archive bomb (zeros, ~1000:1) does not.
 */
export const MAX_GZIP_RATIO = 200;

/** Below this many decompressed bytes the ratio is not checked: tiny archives of tar padding compress well. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/** Tar framing allowed per entry on top of its data: a header, a pax or long-name header and padding. */
export const TAR_OVERHEAD_PER_ENTRY = 3 * 512 + 511;

/** Longest path accepted inside a package, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 255;
