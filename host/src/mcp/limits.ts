import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { RokuError } from '@roku/schemas';

/** An entry's `limits`: resource limits of the server's process (and of what it starts). */
export interface McpProcessLimits {
  /** CPU seconds the process may use in all (RLIMIT_CPU): SIGXCPU, then SIGKILL. */
  readonly cpuSeconds?: number;
  /**
   * Private writable memory (RLIMIT_DATA), in MiB. It counts reservations too: Node needs about 600 MiB of it
   * to start at all, so give a Node server 1024 or more.
   */
  readonly memoryMb?: number;
  /** Open files at once (RLIMIT_NOFILE). */
  readonly openFiles?: number;
}

/** Where `prlimit` (util-linux) may be. */
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit', '/usr/local/bin/prlimit'];

let probed: Promise<{ file: string | undefined; detail: string }> | undefined;

/** Whether this machine can put rlimits on a server process (probed once per process). */
export function mcpLimitSupport(): Promise<{ file: string | undefined; detail: string }> {
  probed ??= (async () => {
    for (const file of PRLIMIT) {
      try {
        accessSync(file, constants.X_OK);
      } catch {
        continue;
      }
      const works = await new Promise<boolean>((resolve) => {
        const child = spawn(file, ['--cpu=60', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
        child.once('error', () => {
          resolve(false);
        });
        child.once('exit', (code) => {
          resolve(code === 0);
        });
      });
      if (works) {
        return {
          file,
          detail: `prlimit (${file}): MCP servers' limits (cpuSeconds, memoryMb, openFiles) are enforced as rlimits; no cgroup limits`,
        };
      }
    }
    return {
      file: undefined,
      detail:
        'none: an MCP server entry with limits is refused (install util-linux for prlimit: apt-get install util-linux)',
    };
  })();
  return probed;
}

/**
 * The command under `prlimit` with the entry's limits. Refused, never started unlimited, where prlimit does not
 * work.
 * @throws ROKU_MCP_SERVER_FAILED
 */
export async function limitedCommand(
  server: string,
  command: { command: string; args: string[]; env: Record<string, string> },
  limits: McpProcessLimits,
): Promise<{ command: string; args: string[]; env: Record<string, string> }> {
  const flags: string[] = [];
  if (limits.cpuSeconds !== undefined) flags.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.memoryMb !== undefined) flags.push(`--data=${limits.memoryMb * 1024 * 1024}`);
  if (limits.openFiles !== undefined) flags.push(`--nofile=${limits.openFiles}`);
  if (flags.length === 0) return command;
  const support = await mcpLimitSupport();
  if (support.file === undefined) {
    throw new RokuError(
      'ROKU_MCP_SERVER_FAILED',
      `MCP server "${server}" asks for limits, which need prlimit; this machine offers ${support.detail}`,
      { details: { server } },
    );
  }
  return {
    command: support.file,
    args: [...flags, '--', command.command, ...command.args],
    env: command.env,
  };
}
