import { readFileSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { watchPluginChanges } from '../install/change-signal.js';

/** What the runtime watches, and what it does on a change. */
export interface WatchTargets {
  /** ROKU_HOME: installs signal their commits under it. */
  readonly home: string;
  readonly configFile: string | undefined;
  /** Dev plugin folders, absolute. */
  readonly devDirs: readonly string[];
  readonly logger: Logger;
  /** Reloads soon (coalesced). */
  readonly schedule: (reason: string) => void;
  /** Lifts a plugin's quarantine: it was enabled or installed again, or its dev folder changed. */
  readonly release: (pluginId: string) => void;
}

interface Closable {
  close(): void;
}

function devPluginId(dir: string): string | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as { id?: unknown };
    return typeof raw.id === 'string' ? raw.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Watches install signals (`state/plugin-changes.json`), the config file and dev plugin folders, and schedules
 * a reload on each change. A watcher that cannot be armed is logged and skipped: the agent keeps running and
 * `/reload` still works.
 */
export class ChangeWatcher {
  readonly #watchers: Closable[] = [];
  #armed: Promise<void> | undefined;
  #closed = false;

  /** Arms every watcher once; resolves when all are armed (the install-signal one included). */
  start(targets: WatchTargets): Promise<void> {
    this.#armed ??= this.#arm(targets);
    return this.#armed;
  }

  async #arm(targets: WatchTargets): Promise<void> {
    const { logger, schedule, release } = targets;
    const installs = watchPluginChanges(targets.home, (signal) => {
      if (signal.kind === 'enable' || signal.kind === 'apply') {
        for (const id of signal.ids) release(id);
      }
      schedule(`plugin ${signal.kind}: ${signal.ids.join(', ')}`);
    })
      .then((w) => {
        this.#keep(w);
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'cannot watch plugin changes');
      });
    if (targets.configFile !== undefined) {
      const file = basename(targets.configFile);
      this.#watchPath(targets, dirname(targets.configFile), false, (name) => {
        if (name === file) schedule('config change');
      });
    }
    for (const dir of targets.devDirs) {
      this.#watchPath(targets, dir, true, () => {
        // New code of a dev plugin gets a fresh start: its quarantine (if any) is lifted.
        const id = devPluginId(dir);
        if (id !== undefined) release(id);
        schedule(`dev plugin ${dir} changed`);
      });
    }
    await installs;
  }

  #watchPath(
    targets: WatchTargets,
    path: string,
    recursive: boolean,
    onChange: (name: string | null) => void,
  ): void {
    try {
      const w = watch(path, { recursive, persistent: false }, (_event, name) => {
        onChange(name);
      });
      w.on('error', () => undefined);
      this.#keep(w);
    } catch (err) {
      targets.logger.warn({ err, path }, 'cannot watch');
    }
  }

  #keep(watcher: Closable): void {
    // A watcher armed after close (the install signal's is asynchronous) is closed at once.
    if (this.#closed) watcher.close();
    else this.#watchers.push(watcher);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watchers) w.close();
    this.#watchers.length = 0;
  }
}
