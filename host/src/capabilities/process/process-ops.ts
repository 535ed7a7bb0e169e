import { mkdir, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, sep } from 'node:path';
import type { Logger } from 'pino';
import { badRequest, denied, failed, pathSegments, quote, rateLimited } from '../policy.js';
import type { Policy } from '../policy.js';
import type { CapabilityRoots } from '../types.js';
import { checkCommand } from './command-policy.js';
import { detectConfinement, wrapCommand } from './confinement.js';
import { runProcess } from './run-process.js';
import type { ProcessOutcome } from './run-process.js';

/** Default and largest run time of one process. */
export const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;
export const MAX_PROCESS_TIMEOUT_MS = 600_000;
/** Default and largest output (stdout and stderr together) collected from one process. */
export const DEFAULT_PROCESS_OUTPUT_BYTES = 65_536;
export const MAX_PROCESS_OUTPUT_BYTES = 1_048_576;
/** Processes one plugin may have running at once, over all its calls. */
export const MAX_PROCESSES_IN_FLIGHT = 4;

export interface ProcessRunArgs {
  readonly argv: unknown[] | null;
  readonly shell: string | null;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
}

export interface ProcessContext {
  readonly policy: Policy;
  readonly roots: CapabilityRoots;
  /** The host's environment: only PATH is passed on. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** Processes of this plugin running now; shared by its calls. */
  readonly inFlight: { count: number };
}

export interface ProcessRunResult extends ProcessOutcome {
  readonly confinement: string;
}

function parseArgs(pluginId: string, args: ProcessRunArgs): { argv: string[] } | { shell: string } {
  if ((args.argv === null) === (args.shell === null)) {
    throw badRequest(`${pluginId}: process.run needs exactly one of argv and shell`);
  }
  if (args.shell !== null) return { shell: args.shell };
  const argv = args.argv ?? [];
  if (
    argv.length === 0 ||
    argv.length > 1024 ||
    !argv.every((a) => typeof a === 'string' && !a.includes('\0'))
  ) {
    throw badRequest(`${pluginId}: process.run argv must be 1 to 1024 strings without NUL characters`);
  }
  return { argv: argv as string[] };
}

/** The workspace folder the process starts in, as a real path inside the workspace's real path. */
async function workingFolder(ctx: ProcessContext, cwd: string): Promise<{ workspace: string; cwd: string }> {
  const { pluginId } = ctx.policy;
  const grant = ctx.policy.filesystem.find(
    (g) => g.root === 'workspace' && g.segments.length === 0 && g.access === 'read-write',
  );
  if (grant === undefined) {
    throw denied(
      `${pluginId}: processes run in the workspace and may write it: the manifest needs permissions.filesystem [{ "root": "workspace", "access": "read-write" }]`,
    );
  }
  if (isAbsolute(cwd) || pathSegments(cwd).includes('..')) {
    throw denied(`${pluginId}: working folder ${quote(cwd)} is outside the workspace; give a relative path`);
  }
  const workspace = await realpath(ctx.roots.workspace);
  let real: string;
  try {
    real = await realpath(join(workspace, ...pathSegments(cwd)));
  } catch {
    throw failed(`${pluginId}: working folder ${quote(cwd)} does not exist in the workspace`);
  }
  if (real !== workspace && !real.startsWith(`${workspace}${sep}`)) {
    throw denied(`${pluginId}: working folder ${quote(cwd)} leads out of the workspace (a symbolic link)`);
  }
  if (!(await stat(real)).isDirectory())
    throw failed(`${pluginId}: working folder ${quote(cwd)} is not a folder`);
  return { workspace, cwd: real };
}

/** The program's absolute path on PATH. */
async function resolveProgram(
  pluginId: string,
  program: string,
  pathDirs: readonly string[],
): Promise<string> {
  for (const dir of pathDirs) {
    const candidate = join(dir, program);
    try {
      const stats = await stat(candidate);
      if (stats.isFile() && (stats.mode & 0o111) !== 0) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  throw failed(`${pluginId}: program ${quote(program)} was not found on PATH`);
}

/**
 * Runs a child process for a plugin: the command is checked against the process policy, it starts in a
 * workspace folder with a minimal environment, confined by bubblewrap or unshare when the machine has them,
 * and is killed with its whole process group on timeout, abort or too much output.
 *
 * @throws ROKU_CAPABILITY_DENIED (policy), ROKU_CAPABILITY_RATE_LIMITED (too many at once),
 *   ROKU_CAPABILITY_FAILED (program or folder missing), ROKU_CAPABILITY_BAD_REQUEST
 */
export async function runGrantedProcess(
  ctx: ProcessContext,
  args: ProcessRunArgs,
  call: { readonly callId: string; readonly signal?: AbortSignal },
): Promise<ProcessRunResult> {
  const { pluginId } = ctx.policy;
  const command = checkCommand(pluginId, ctx.policy.process, parseArgs(pluginId, args));
  const folder = await workingFolder(ctx, args.cwd);
  const pathDirs = (ctx.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
    .split(delimiter)
    .filter((d) => isAbsolute(d));
  const program =
    command.mode === 'shell' ? '/bin/sh' : await resolveProgram(pluginId, command.program, pathDirs);
  const programArgs = command.mode === 'shell' ? ['-c', command.line] : command.args;
  if (ctx.inFlight.count >= MAX_PROCESSES_IN_FLIGHT) {
    throw rateLimited(
      `${pluginId}: ${MAX_PROCESSES_IN_FLIGHT} processes are running already; wait for one to end`,
      {
        limit: 'processes',
        max: MAX_PROCESSES_IN_FLIGHT,
      },
    );
  }
  // Counted before any await, so that concurrent requests cannot all pass the check.
  ctx.inFlight.count += 1;
  try {
    const confinement = await detectConfinement();
    const home = confinement.kind === 'bwrap' ? '/tmp/home' : ctx.roots.temp;
    if (confinement.kind !== 'bwrap') await mkdir(home, { recursive: true });
    const hidden = ['/root', '/home', ...(ctx.roots.home === undefined ? [] : [ctx.roots.home])];
    const wrapped = wrapCommand(confinement.kind, {
      program,
      args: programArgs,
      workspace: folder.workspace,
      cwd: folder.cwd,
      network: ctx.policy.process.network,
      hidden,
      pathDirs,
      home,
      pidNamespace: confinement.pidNamespace,
    });
    const env: Record<string, string> = {
      PATH: pathDirs.join(delimiter),
      HOME: home,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      NO_COLOR: '1',
      PWD: folder.cwd,
    };
    const log = ctx.logger.child({ pluginId, callId: call.callId });
    log.info(
      { program: command.program, mode: command.mode, cwd: folder.cwd, confinement: confinement.kind },
      'process started',
    );
    const outcome = await runProcess({
      file: wrapped.file,
      args: wrapped.args,
      cwd: folder.cwd,
      env,
      timeoutMs: Math.min(args.timeoutMs, MAX_PROCESS_TIMEOUT_MS),
      maxOutputBytes: Math.min(args.maxOutputBytes, MAX_PROCESS_OUTPUT_BYTES),
      // Without a PID namespace a `setsid` child leaves the group: /proc tracking still finds it.
      trackDescendants: !confinement.pidNamespace,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    });
    log.info(
      { exitCode: outcome.exitCode, stopped: outcome.stopped, durationMs: outcome.durationMs },
      'process ended',
    );
    return { ...outcome, confinement: confinement.kind };
  } finally {
    ctx.inFlight.count -= 1;
  }
}
