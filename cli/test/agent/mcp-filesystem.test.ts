import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

// The official filesystem server from npm, run offline from node_modules over stdio. It is told it may read
// every folder ('/'), as a careless entry would: what keeps it in the workspace is the confinement.
const FILESYSTEM = realpathSync(
  fileURLToPath(
    new URL('../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', import.meta.url),
  ),
);
// Where pnpm keeps the server and its dependencies: granted read-only, as one grants an installed server's folder.
const PACKAGES = FILESYSTEM.slice(
  0,
  FILESYSTEM.indexOf('/node_modules/.pnpm/') + '/node_modules/.pnpm'.length,
);

describe('@modelcontextprotocol/server-filesystem under confinement', () => {
  it('reads the workspace, but not the Roku home beside it, when confined; unconfined it reads both', async () => {
    const read = async (
      confine: boolean | Record<string, unknown>,
      path: (dirs: { home: string; workspace: string }) => string,
    ) => {
      const cli = await inProcessCli({
        config: {
          mcpServers: { files: { command: process.execPath, args: [FILESYSTEM, '/'], confine } },
        },
      });
      writeFileSync(join(cli.workspace, 'notes.txt'), 'workspace notes');
      mkdirSync(dirname(join(cli.home, 'secret.txt')), { recursive: true });
      writeFileSync(join(cli.home, 'secret.txt'), 'top secret');
      const target = path({ home: cli.home, workspace: cli.workspace });
      const r = await cli.run([
        'run',
        '--yes-always',
        'call',
        'mcp__files__read_text_file',
        JSON.stringify({ path: target }),
      ]);
      return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
    };
    const workspaceFile = ({ workspace }: { workspace: string }): string => join(workspace, 'notes.txt');
    const secret = ({ home }: { home: string }): string => join(home, 'secret.txt');
    const grants = { folders: [{ path: PACKAGES }] };

    const open = await read(false, secret);
    expect(open.out).toContain('top secret');
    const confinedSecret = await read(grants, secret);
    // the server ran and answered: the file is not there for it (ENOENT), not a server that failed to start
    expect(confinedSecret.out).not.toContain('top secret');
    expect(confinedSecret.out).not.toContain('ROKU_MCP_SERVER_FAILED');
    expect(confinedSecret.out).toMatch(/ENOENT|no such file|not found/i);
    const confinedWorkspace = await read(grants, workspaceFile);
    expect(confinedWorkspace.code, confinedWorkspace.out).toBe(0);
    expect(confinedWorkspace.out).toContain('workspace notes');
  });
});
