import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

/** How child processes are confined on this machine, best first. */
export type ConfinementKind = 'bwrap' | 'unshare' | 'none';

export interface Confinement {
  readonly kind: ConfinementKind;
  /**
   * Whether the processes get a PID namespace of their own (bubblewrap; unshare where `-p` works): killing the
   * leader then ends every process it started, `setsid` or not. Without one the host tracks descendants
   * through /proc (run-process.ts).
   */
  readonly pidNamespace: boolean;
  /** For `roku doctor`: what the processes are kept from. */
  readonly detail: string;
}

export interface WrapInput {
  /** Absolute path of the program (already resolved on PATH). */
  readonly program: string;
  readonly args: readonly string[];
  /** Absolute real path of the workspace: the only folder the process may write (besides its /tmp). */
  readonly workspace: string;
  readonly cwd: string;
  readonly network: boolean;
  /** Folders hidden from the process (homes, the Roku data dir) but for PATH folders inside them. */
  readonly hidden: readonly string[];
  /** PATH folders, re-exposed read-only when they lie inside a hidden folder. */
  readonly pathDirs: readonly string[];
  /** HOME inside the confinement. */
  readonly home: string;
  /** unshare only: give the process a PID namespace of its own (default true; the probe said it works). */
  readonly pidNamespace?: boolean;
}

/** unshare's flags for a PID namespace whose processes all die with the leader, `setsid` or not. */
const UNSHARE_PID = ['-p', '-f', '--kill-child', '--mount-proc'];

/** Exits 0 when the command could run (with a short time limit; never throws). */
function probe(file: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore', timeout: 5000 });
    child.once('error', () => {
      resolve(false);
    });
    child.once('exit', (code) => {
      resolve(code === 0);
    });
  });
}

let detected: Promise<Confinement> | undefined;

/**
 * What confinement works here, probed once per process: bubblewrap (own mount, pid, network and user
 * namespaces: read-only system, writable workspace only, homes hidden), else `unshare -rn` (no network, no
 * filesystem confinement), else none.
 */
export function detectConfinement(): Promise<Confinement> {
  detected ??= (async (): Promise<Confinement> => {
    const bwrap = [
      '--unshare-all',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
    ];
    if (await probe('bwrap', [...bwrap, '--', 'true'])) {
      return {
        kind: 'bwrap',
        pidNamespace: true,
        detail:
          'bubblewrap: processes see the system read-only, write only the workspace and a private /tmp, have no network unless granted, and cannot see home folders or the Roku data dir',
      };
    }
    if (await probe('unshare', ['-rn', ...UNSHARE_PID, '--', 'true'])) {
      return {
        kind: 'unshare',
        pidNamespace: true,
        detail:
          'unshare -rn: processes have no network unless granted and a PID namespace of their own (all of them end with the command), but see the filesystem as Roku does (install bubblewrap to confine it: apt-get install bubblewrap)',
      };
    }
    if (await probe('unshare', ['-rn', '--', 'true'])) {
      return {
        kind: 'unshare',
        pidNamespace: false,
        detail:
          'unshare -rn: processes have no network unless granted, but see the filesystem as Roku does and their descendants are tracked through /proc (install bubblewrap to confine them: apt-get install bubblewrap)',
      };
    }
    return {
      kind: 'none',
      pidNamespace: false,
      detail:
        "none: processes run with Roku's own access; their descendants are tracked through /proc and killed with them (install bubblewrap for namespaces: apt-get install bubblewrap)",
    };
  })();
  return detected;
}

const MASKED_FILES = ['/etc/shadow', '/etc/gshadow'];

/** The argv that runs the program inside the confinement (the program itself when there is none). */
export function wrapCommand(kind: ConfinementKind, input: WrapInput): { file: string; args: string[] } {
  if (kind === 'unshare') {
    const pid = input.pidNamespace === false ? [] : UNSHARE_PID;
    if (input.network && pid.length === 0) return { file: input.program, args: [...input.args] };
    const user = input.network ? ['-r'] : ['-rn'];
    return { file: 'unshare', args: [...user, ...pid, '--', input.program, ...input.args] };
  }
  if (kind !== 'bwrap') return { file: input.program, args: [...input.args] };
  const args = ['--unshare-all', '--die-with-parent', '--new-session'];
  if (input.network) args.push('--share-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  const masked = ['/tmp', '/var/tmp', '/run', ...input.hidden];
  for (const dir of masked) {
    if (isAbsolute(dir) && existsSync(dir)) args.push('--tmpfs', dir);
  }
  for (const file of MASKED_FILES) if (existsSync(file)) args.push('--ro-bind', '/dev/null', file);
  // PATH folders and the program's own folder (through its symlinks) stay visible, read-only, where a masked
  // folder covers them: e.g. a Node installed under /tmp or a home must still run
  for (const dir of new Set([...input.pathDirs, ...programDirs(input.program)])) {
    const inside = masked.some((h) => dir === h || dir.startsWith(`${h}/`));
    if (inside && isAbsolute(dir) && existsSync(dir)) args.push('--ro-bind', dir, dir);
  }
  args.push('--bind', input.workspace, input.workspace, '--dir', input.home, '--chdir', input.cwd);
  args.push('--', input.program, ...input.args);
  return { file: 'bwrap', args };
}

/** The folder of the program and that of the file it resolves to (a symlink's target). */
function programDirs(program: string): string[] {
  try {
    return [dirname(program), dirname(realpathSync(program))];
  } catch {
    return [dirname(program)];
  }
}
