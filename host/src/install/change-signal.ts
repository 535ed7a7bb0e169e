import { watch } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { InstallChange } from './types.js';
import { isMissing, writeFileDurable } from './durable-write.js';

/**
 * The file through which installs tell running hosts (a `roku chat` session, the server) to reload their plugin
 * snapshot: every committed change rewrites it with a higher sequence number. A file works across processes
 * and survives a host that starts after the change.
 */
export const PLUGIN_CHANGES_FILE = join('state', 'plugin-changes.json');

export interface PluginChangeSignal extends InstallChange {
  readonly sequence: number;
  /** Unix milliseconds of the commit. */
  readonly at: number;
}

/** The last committed change, if any (a host that starts later compares its time with its own records). */
export async function readPluginChangeSignal(home: string): Promise<PluginChangeSignal | undefined> {
  return readSignal(join(home, PLUGIN_CHANGES_FILE));
}

async function readSignal(file: string): Promise<PluginChangeSignal | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<PluginChangeSignal>;
    return typeof parsed.sequence === 'number' ? (parsed as PluginChangeSignal) : undefined;
  } catch (err) {
    if (isMissing(err) || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Records a committed change for running hosts; called by the installer after each commit. */
export async function signalPluginChange(home: string, change: InstallChange): Promise<PluginChangeSignal> {
  const file = join(home, PLUGIN_CHANGES_FILE);
  await mkdir(dirname(file), { recursive: true });
  const previous = await readSignal(file);
  const signal = { ...change, sequence: (previous?.sequence ?? 0) + 1, at: Date.now() };
  await writeFileDurable(file, `${JSON.stringify(signal)}\n`);
  return signal;
}

/**
 * Calls `onChange` for every change committed after the call (a host reloads its snapshot there). Events of
 * the watched folder are coalesced by sequence number, so each change is reported once.
 */
export async function watchPluginChanges(
  home: string,
  onChange: (signal: PluginChangeSignal) => void,
): Promise<{ close(): void }> {
  const file = join(home, PLUGIN_CHANGES_FILE);
  await mkdir(dirname(file), { recursive: true });
  let seen = (await readSignal(file))?.sequence ?? 0;
  const name = basename(file);
  const watcher = watch(dirname(file), (_event, changed) => {
    // The folder also holds the state databases: every SQLite write of every run fires an event here, and
    // reading the signal file for each was a good part of a busy server's CPU. Only its own name (it arrives by
    // rename) is read; a platform that gives no name still reads.
    if (changed !== null && changed !== name) return;
    readSignal(file)
      .then((signal) => {
        if (signal !== undefined && signal.sequence > seen) {
          seen = signal.sequence;
          onChange(signal);
        }
      })
      .catch(() => undefined);
  });
  return {
    close: () => {
      watcher.close();
    },
  };
}
