import { ensureHome, resolveHome } from '@roku/host';
import type { CliIo } from './io.js';

/**
 * Commands that keep state in ROKU_HOME, by path. They check it before anything else, so an unusable home
 * (a file, a path under /proc, a read-only or full disk) is one clear error at once rather than a hang or an
 * internal error deep inside. `roku doctor` and `roku` itself report the same check instead of failing on it.
 */
const HOME_COMMANDS = new Set([
  'roku chat',
  'roku run',
  'roku trace',
  'roku session list',
  'roku session show',
  'roku session delete',
  'roku approval list',
  'roku approval show',
  'roku approval approve',
  'roku approval reject',
  'roku plugin install',
  'roku plugin update',
  'roku plugin uninstall',
  'roku plugin list',
  'roku plugin verify',
  'roku plugin outdated',
  'roku plugin enable',
  'roku plugin disable',
  'roku plugin search',
  'roku plugin info',
  'roku registry trust',
  'roku registry keys',
  'roku auth set',
  'roku auth list',
  'roku auth remove',
  'roku models',
  'roku serve',
  'roku token create',
  'roku token list',
  'roku token revoke',
]);

/** Whether the command at `path` (e.g. `roku session list`) needs ROKU_HOME. */
export function needsHome(path: string): boolean {
  return HOME_COMMANDS.has(path);
}

/**
 * Checks (and creates) ROKU_HOME for a command that needs it.
 *
 * @throws ROKU_HOME_UNUSABLE naming the folder, the problem and the fix.
 */
export function checkHomeFor(path: string, io: CliIo): void {
  if (needsHome(path)) ensureHome(resolveHome(io.env));
}
