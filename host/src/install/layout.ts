import { join, resolve } from 'node:path';
import { LOCKFILE_NAME } from '@roku/registry';
import { pluginDirName } from '../plugins/plugin-folder.js';

/** Where everything the installer owns lives under ROKU_HOME. */
export interface InstallLayout {
  readonly home: string;
  readonly plugins: string;
  readonly staging: string;
  readonly trash: string;
  readonly state: string;
  readonly lockfile: string;
  readonly archives: string;
  readonly trust: string;
  readonly installLock: string;
  /** `plugins/<scope>__<name>/<version>` */
  pluginDir(id: string, version: string): string;
  /** `plugins/<scope>__<name>` */
  pluginRoot(id: string): string;
}

export function installLayout(home: string): InstallLayout {
  const root = resolve(home);
  const plugins = join(root, 'plugins');
  return {
    home: root,
    plugins,
    staging: join(plugins, '.staging'),
    trash: join(plugins, '.trash'),
    state: join(root, 'state', 'installed.json'),
    lockfile: join(root, LOCKFILE_NAME),
    archives: join(root, 'cache', 'archives'),
    trust: join(root, 'trust.json'),
    installLock: join(root, '.install-lock.db'),
    pluginDir: (id, version) => join(plugins, pluginDirName(id), version),
    pluginRoot: (id) => join(plugins, pluginDirName(id)),
  };
}
