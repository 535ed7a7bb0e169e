import { readFileSync, readdirSync } from 'node:fs';

/** One process seen in /proc: its id and its start time (clock ticks since boot), which tells a reused pid apart. */
interface Seen {
  readonly pid: number;
  readonly start: string;
}

/** pid, ppid and start time of one /proc/<pid>/stat line, or undefined when it cannot be read (gone, not Linux). */
function readStat(pid: number): { ppid: number; start: string } | undefined {
  let line: string;
  try {
    line = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3), so field N is fields[N - 3].
  const ppid = Number(fields[1]);
  const start = fields[19];
  return Number.isInteger(ppid) && start !== undefined ? { ppid, start } : undefined;
}

/**
 * Remembers every process descended from one leader, so that a descendant that left the leader's process group
 * (`setsid`, `setpgid`) is still killed with it where no PID namespace holds them together. /proc is walked on
 * each `scan`; an orphan re-parented before any scan saw it escapes, which is why the host samples while the
 * command runs and prefers a PID namespace (confinement.ts) where the machine has one.
 */
export class ProcessTree {
  readonly #leader: number;
  readonly #leaderStart: string | undefined;
  readonly #seen = new Map<number, Seen>();

  constructor(leader: number) {
    this.#leader = leader;
    this.#leaderStart = readStat(leader)?.start;
  }

  /** Adds the descendants alive now: children of the leader and of every process already seen. */
  scan(): void {
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return;
    }
    const parents = new Map<number, number[]>();
    const starts = new Map<number, string>();
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 1) continue;
      const stat = readStat(pid);
      if (stat === undefined) continue;
      starts.set(pid, stat.start);
      const siblings = parents.get(stat.ppid);
      if (siblings === undefined) parents.set(stat.ppid, [pid]);
      else siblings.push(pid);
    }
    // Once the leader's pid names another process, only the descendants already seen are followed.
    const leaderAlive = this.#leaderStart !== undefined && starts.get(this.#leader) === this.#leaderStart;
    const queue = [...(leaderAlive ? [this.#leader] : []), ...this.#seen.keys()];
    for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
      for (const child of parents.get(pid) ?? []) {
        const start = starts.get(child);
        if (start === undefined || this.#seen.get(child)?.start === start) continue;
        this.#seen.set(child, { pid: child, start });
        queue.push(child);
      }
    }
  }

  /** Scans once more, then SIGKILLs every remembered descendant still running with the same start time. */
  killAll(): void {
    this.scan();
    for (const { pid, start } of this.#seen.values()) {
      if (readStat(pid)?.start !== start) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}
