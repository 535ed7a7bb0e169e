import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
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

/** What an entry's `confine` object grants beyond the default confinement. */
export interface ConfineGrants {
  /** Origins the server may reach. bubblewrap cannot filter by origin: any grant shares the host's network. */
  readonly network?: readonly string[];
  /** Folders the server may see (read-only unless `write`), absolute or relative to the workspace. */
  readonly folders?: readonly { readonly path: string; readonly write?: boolean }[];
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The bwrap binds of the granted folders (real paths), checked: each exists and none is or holds ROKU_HOME. */
function folderBinds(
  server: string,
  grants: ConfineGrants,
  workspace: string,
  hidden: readonly string[],
): string[] {
  const binds: string[] = [];
  for (const folder of grants.folders ?? []) {
    let real: string;
    try {
      real = realpathSync(resolve(workspace, folder.path));
    } catch {
      throw new RokuError(
        'ROKU_MCP_SERVER_FAILED',
        `MCP server "${server}": confine.folders grants ${folder.path}, which does not exist`,
        { details: { server, path: folder.path } },
      );
    }
    const secret = hidden.find((h) => inside(h, real) || inside(real, h));
    if (secret !== undefined) {
      throw new RokuError(
        'ROKU_MCP_SERVER_FAILED',
        `MCP server "${server}": confine.folders may not grant ${folder.path} (it is or holds Roku's data dir)`,
        { details: { server, path: folder.path } },
      );
    }
    binds.push(folder.write === true ? '--bind' : '--ro-bind', real, real);
  }
  return binds;
}

/**
 * The argv and env of a server whose entry asks for `confine`: bubblewrap with no network, the system
 * read-only, only the workspace writable, home folders and ROKU_HOME hidden; a `confine` object may grant
 * network origins (the host's network, see ConfineGrants) and folders. Anything weaker is refused, never a
 * silent downgrade.
 *
 * @throws ROKU_MCP_SERVER_FAILED (no bubblewrap here, the program or a granted folder is not found)
 */
export async function confinedCommand(input: {
  readonly server: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly workspace: string;
  readonly hidden: readonly string[];
  readonly grants: ConfineGrants;
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
    network: (input.grants.network ?? []).length > 0,
    hidden: ['/root', '/home', ...input.hidden],
    pathDirs,
    home: CONFINED_HOME,
  });
  // granted folders go on top of the masks (a folder under /home stays visible), before the program's `--`
  const binds = folderBinds(input.server, input.grants, workspace, input.hidden);
  const args = [...wrapped.args];
  args.splice(args.indexOf('--'), 0, ...binds);
  return { command: wrapped.file, args, env: { ...input.env, HOME: CONFINED_HOME } };
}
