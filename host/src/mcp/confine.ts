import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { RokuError } from '@roku/schemas';
import { detectConfinement, wrapCommand } from '../capabilities/index.js';

/** HOME of a confined server: inside its private /tmp. */
const CONFINED_HOME = '/tmp/home';

/** `command` as an absolute path: relative to the workspace when it has a slash, else found on PATH. */
function resolveProgram(command: string, workspace: string, pathDirs: readonly string[]): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(workspace, command)]
    : pathDirs.map((dir) => join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return realpathSync(file);
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * The argv and env of a server whose entry asks for `confine: true`: bubblewrap with no network, the system
 * read-only, only the workspace writable, home folders and ROKU_HOME hidden. Anything weaker is refused, never
 * a silent downgrade.
 *
 * @throws ROKU_MCP_SERVER_FAILED (no bubblewrap here, or the program is not found)
 */
export async function confinedCommand(input: {
  readonly server: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly workspace: string;
  readonly hidden: readonly string[];
}): Promise<{ command: string; args: string[]; env: Record<string, string> }> {
  const confinement = await detectConfinement();
  if (confinement.kind !== 'bwrap') {
    throw new RokuError(
      'ROKU_MCP_SERVER_FAILED',
      `MCP server "${input.server}" asks for confine: true, which needs bubblewrap; this machine offers ${confinement.detail}`,
      { details: { server: input.server, confinement: confinement.kind } },
    );
  }
  const pathDirs = (input.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
    .split(delimiter)
    .filter((d) => d !== '');
  const program = resolveProgram(input.command, input.workspace, pathDirs);
  if (program === undefined) {
    throw new RokuError(
      'ROKU_MCP_SERVER_FAILED',
      `MCP server "${input.server}": ${input.command} not found on PATH`,
      {
        details: { server: input.server },
      },
    );
  }
  const workspace = realpathSync(input.workspace);
  const wrapped = wrapCommand('bwrap', {
    program,
    args: input.args,
    workspace,
    cwd: workspace,
    network: false,
    hidden: ['/root', '/home', ...input.hidden],
    pathDirs,
    home: CONFINED_HOME,
  });
  return { command: wrapped.file, args: wrapped.args, env: { ...input.env, HOME: CONFINED_HOME } };
}
