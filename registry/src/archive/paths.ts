import { MAX_PATH_BYTES } from './limits.js';

/**
 * Why `path` may not appear inside a package, or undefined when it is a plain relative POSIX path:
 * no leading `/`, drive letter or `~`, no backslash, NUL or control character, no empty, `.` or `..` segment.
 */
export function packagePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `is longer than ${MAX_PATH_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) return 'is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return "has a '..' segment";
  if (segments.includes('.') || segments.includes('')) return "has an empty or '.' segment";
  return undefined;
}

/**
 * The key two paths collide on when extracted on a case-insensitive or normalising file system
 * (macOS, Windows): `Plugin.js` and `plugin.js` are the same file there.
 */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** Orders package paths the same way everywhere (UTF-16 code units), so packing is deterministic. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
