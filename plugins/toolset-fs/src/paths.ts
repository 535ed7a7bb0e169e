import { RokuError } from '@roku/plugin-api';

/**
 * Normalises a workspace path given to a tool: `./a//b/` becomes `a/b`, and '' names the workspace root. The
 * host enforces containment (symbolic links included); this gives the model a clear error first.
 *
 * @throws ROKU_WORKSPACE_ABSOLUTE_PATH, ROKU_WORKSPACE_PARENT_PATH, ROKU_WORKSPACE_BAD_PATH
 */
export function workspacePath(tool: string, raw: string, options: { allowRoot: boolean }): string {
  const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  if (raw.startsWith('/') || raw.startsWith('~') || /^[A-Za-z]:/.test(raw)) {
    throw new RokuError(
      'ROKU_WORKSPACE_ABSOLUTE_PATH',
      `${tool}: ${shown} is an absolute path; give a path relative to the workspace root, e.g. "src/index.ts"`,
    );
  }
  if (raw.includes('\\')) {
    throw new RokuError(
      'ROKU_WORKSPACE_BAD_PATH',
      `${tool}: ${shown} uses backslashes; separate folders with '/'`,
    );
  }
  if (raw.includes('\0')) {
    throw new RokuError('ROKU_WORKSPACE_BAD_PATH', `${tool}: the path contains a NUL character`);
  }
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new RokuError(
      'ROKU_WORKSPACE_PARENT_PATH',
      `${tool}: ${shown} has a '..' segment; paths must stay inside the workspace`,
    );
  }
  if (segments.length === 0 && !options.allowRoot) {
    throw new RokuError(
      'ROKU_WORKSPACE_BAD_PATH',
      `${tool}: ${shown} names the workspace itself, not a file`,
    );
  }
  return segments.join('/');
}
