import { join } from 'node:path';
import { RokuError } from '@roku/schemas';

const ID = /^@([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*)$/;

/** Where a plugin's files live in a local registry: `<root>/@scope/name/`. */
export interface PackagePaths {
  readonly dir: string;
  readonly index: string;
  /** The archive's URL relative to the index document, as written in it. */
  archiveRef(version: string): string;
}

/**
 * Maps a plugin id to its folder. The id pattern admits no `/`, `\` or `..` segment, so the folder always
 * stays under the root.
 *
 * @throws ROKU_REGISTRY_BAD_SPEC when `name` is not a scoped plugin id.
 */
export function packagePaths(root: string, name: string): PackagePaths {
  const match = ID.exec(name);
  if (match === null || name.length > 214) {
    throw new RokuError('ROKU_REGISTRY_BAD_SPEC', `'${name}' is not a plugin id like @scope/name`, {
      details: { spec: name },
    });
  }
  const [, scope = '', base = ''] = match;
  const dir = join(root, `@${scope}`, base);
  return {
    dir,
    index: join(dir, 'index.json'),
    archiveRef: (version) => `-/${base}-${version}.tgz`,
  };
}
