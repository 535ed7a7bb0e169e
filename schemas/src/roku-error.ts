/** The wire form of every Roku error: HTTP bodies, `--json` output and sandbox messages use it. */
export interface RokuErrorJson {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One package's error codes, each with the sentence that documents it. */
export type ErrorCatalog = Readonly<Record<`ROKU_${string}`, string>>;

/**
 * Every error code the compiled program knows, as keys. Empty here: each package's `src/errors.ts` merges its
 * catalog in (`declare module '@roku/schemas' { interface RokuErrorCodes extends CodesOf<typeof X_ERRORS> {} }`),
 * so `new RokuError(code, …)` accepts exactly the codes of the catalogs in scope and a misspelt one does not
 * compile.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RokuErrorCodes {}

/** A code from one of the catalogs in scope. */
export type RokuErrorCode = keyof RokuErrorCodes;

/** The shape a catalog merges into {@link RokuErrorCodes}: its codes as keys. */
export type CodesOf<C extends ErrorCatalog> = Readonly<Record<keyof C, true>>;

declare const dynamicCode: unique symbol;

/** A code known only at run time (a plugin's, a remote's, one re-raised from the wire). */
export type DynamicErrorCode = string & { readonly [dynamicCode]: true };

/**
 * The escape hatch for codes the compiler cannot check: a code that arrived over a boundary (a plugin's error,
 * an HTTP body, a runner message) and is passed on unchanged. Codes the caller writes itself come from a
 * catalog instead.
 *
 * @example
 * throw new RokuError(dynamicErrorCode(wire.code), wire.message);
 */
export function dynamicErrorCode(code: string): DynamicErrorCode {
  return code as DynamicErrorCode;
}

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
    code: RokuErrorCode | DynamicErrorCode,
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
