/** The wire form of every Roku error: HTTP bodies, `--json` output and sandbox messages use it. */
export interface RokuErrorJson {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One package's error codes, each with the sentence that documents it. */
export type ErrorCatalog = Readonly<Record<`ROKU_${string}`, string>>;

/**
 * An error with a stable code (`ROKU_<AREA>_<REASON>`). Match on `code`, never on `instanceof`:
 * errors cross bundles and sandbox boundaries.
 *
 * @example
 * throw new RokuError('ROKU_CONFIG_UNKNOWN_KEY', 'roku.config.json: /sever is not a known key', { details: { path: '/sever' } });
 */
export class RokuError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: { details?: Readonly<Record<string, unknown>>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RokuError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): RokuErrorJson {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True for anything shaped like a Roku error, whichever bundle or realm created it. */
export function isRokuError(value: unknown): value is RokuErrorJson {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ROKU_') && typeof message === 'string';
}
