import semver from 'semver';
import { RokuError } from '@roku/schemas';

/** What a user asks to install: a plugin id and a semver range or dist-tag. */
export interface PackageSpec {
  readonly id: string;
  /** A semver range, or undefined when a dist-tag was given. */
  readonly range: string | undefined;
  /** The dist-tag asked for; `latest` when neither a range nor a tag was given. */
  readonly tag: string | undefined;
}

const ID = /^@[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;
const TAG = /^[a-z][a-z0-9._-]{0,63}$/i;

/**
 * Parses `@scope/name`, `@scope/name@^1.2.0` or `@scope/name@beta`.
 *
 * @throws ROKU_REGISTRY_BAD_SPEC naming what is wrong.
 */
export function parsePackageSpec(spec: string): PackageSpec {
  const at = spec.indexOf('@', 1);
  const id = at < 0 ? spec : spec.slice(0, at);
  const selector = at < 0 ? '' : spec.slice(at + 1);
  if (!ID.test(id) || id.length > 214) {
    throw new RokuError('ROKU_REGISTRY_BAD_SPEC', `'${spec}': '${id}' is not a plugin id like @scope/name`, {
      details: { spec },
    });
  }
  if (selector === '') return { id, range: undefined, tag: 'latest' };
  if (semver.validRange(selector) !== null) return { id, range: selector, tag: undefined };
  if (TAG.test(selector)) return { id, range: undefined, tag: selector };
  throw new RokuError(
    'ROKU_REGISTRY_BAD_SPEC',
    `'${spec}': '${selector}' is neither a semver range nor a dist-tag`,
    {
      details: { spec },
    },
  );
}
