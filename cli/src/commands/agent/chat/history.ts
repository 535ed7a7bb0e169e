import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Most lines kept in the history file. */
export const HISTORY_LIMIT = 1000;

/** `$ROKU_HOME/state/chat_history`: one entry per line, oldest first. */
export function historyFile(home: string): string {
  return join(home, 'state', 'chat_history');
}

export interface ChatHistory {
  /** Oldest first. */
  readonly entries: () => readonly string[];
  /** Adds a submitted line (not repeated when equal to the previous one) and saves the file. */
  readonly add: (line: string) => void;
}

/**
 * The REPL's input history, persisted across sessions. Saving is best effort: a read-only home must not stop a
 * chat, so write errors are ignored.
 */
export function openHistory(home: string): ChatHistory {
  const file = historyFile(home);
  let entries: string[] = [];
  try {
    if (existsSync(file))
      entries = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-HISTORY_LIMIT);
  } catch {
    entries = [];
  }
  return {
    entries: () => entries,
    add(line) {
      // One entry per line of the file, so multi-line paste is kept as one line.
      const entry = line.replace(/[\r\n]+/g, ' ').trim();
      if (entry === '' || entries.at(-1) === entry) return;
      entries = [...entries, entry].slice(-HISTORY_LIMIT);
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${entries.join('\n')}\n`, { mode: 0o600 });
      } catch {
        // Best effort; see above.
      }
    },
  };
}
