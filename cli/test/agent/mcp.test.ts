import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

// The official reference server from npm, run offline from node_modules over stdio.
const EVERYTHING = realpathSync(
  fileURLToPath(
    new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
  ),
);
const CRASH = fileURLToPath(new URL('./fixtures/mcp-crash-server.mjs', import.meta.url));

/** Processes of this machine whose command line mentions `marker` (the servers this test starts). */
function processesRunning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('MCP servers in the agent (mcpServers)', () => {
  it("offers the server's tools as mcp__<server>__<tool>, asks before a call, runs it once approved, leaves no process", async () => {
    const cli = await inProcessCli({
      config: { mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } },
    });
    const paused = await cli.run(['run', 'call', 'mcp__everything__echo', 'hello there']);
    expect(paused.code, paused.stderr).toBe(3);
    expect(paused.stderr).toContain('tool:   mcp__everything__echo');
    const id = /ticket (\S+)/.exec(paused.stderr)?.[1];
    expect(id).toBeDefined();
    expect(processesRunning(EVERYTHING)).toEqual([]);

    const approved = await cli.run(['approval', 'approve', id!]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toBe('mcp__everything__echo returned: Echo: hello there\n');
    expect(processesRunning(EVERYTHING)).toEqual([]);
  });

  it('a server whose command does not exist is reported and the session goes on without it', async () => {
    const cli = await inProcessCli({
      config: {
        mcpServers: {
          ghost: { command: 'roku-no-such-mcp-server' },
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        },
      },
    });
    const r = await cli.run(['run', '--yes-always', 'call', 'mcp__everything__echo', 'still here']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('MCP server "ghost" failed to start');
    expect(r.stderr).toContain('ENOENT');
    expect(r.stdout).toBe('mcp__everything__echo returned: Echo: still here\n');
  });

  it('a server that exits mid-call gives the model an error result, and the run finishes', async () => {
    const cli = await inProcessCli({
      config: { mcpServers: { crashy: { command: process.execPath, args: [CRASH] } } },
    });
    const r = await cli.run(['run', '--yes-always', 'call', 'mcp__crashy__crash', 'now']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('mcp__crashy__crash returned: error [ROKU_MCP_CALL_FAILED]');
    expect(r.stdout).toContain('crash server: exiting mid-call');
    const after = await cli.run(['run', 'hello']);
    expect(after.stdout).toBe('You said: hello\n');
    expect(processesRunning(CRASH)).toEqual([]);
  });
});

describe('confine: true (bubblewrap)', () => {
  it('keeps a confined server from files outside the workspace and from the network; unconfined it reaches both', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    try {
      const outcome = async (confine: boolean): Promise<{ file: string; net: string }> => {
        // the server's script is in the workspace, as a user's would be: a confined server sees nothing else
        const cli = await inProcessCli({
          config: {
            mcpServers: { probe: { command: process.execPath, args: ['probe-server.mjs'], confine } },
          },
        });
        copyFileSync(CRASH, join(cli.workspace, 'probe-server.mjs'));
        const secret = join(cli.home, 'secret.txt');
        writeFileSync(secret, 'top secret');
        const args = JSON.stringify({ file: secret, port });
        const r = await cli.run(['run', '--yes-always', 'call', 'mcp__probe__probe', args]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout, r.stderr).toContain('returned');
        const text = r.stdout.replace(/^mcp__probe__probe returned: /, '');
        return JSON.parse(text) as { file: string; net: string };
      };
      expect(await outcome(false)).toEqual({ file: 'read: top secret', net: 'connected' });
      const confined = await outcome(true);
      expect(confined.file).toMatch(/^refused: /);
      expect(confined.net).toMatch(/^refused: /);
    } finally {
      server.close();
    }
  });
});

/** A free loopback port (released again for the server to take). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) =>
    probe.close(() => {
      done();
    }),
  );
  return port;
}

describe('Streamable HTTP', () => {
  it("calls a remote server's tool over Streamable HTTP (server-everything on loopback)", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((ready, fail) => {
        server.stderr.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on port')) ready();
        });
        server.once('exit', (code) => {
          fail(new Error(`server exited with ${String(code)}`));
        });
      });
      const cli = await inProcessCli({
        config: { mcpServers: { remote: { type: 'http', url: `http://127.0.0.1:${port}/mcp` } } },
      });
      const r = await cli.run(['run', '--yes-always', 'call', 'mcp__remote__echo', 'over http']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('mcp__remote__echo returned: Echo: over http\n');
    } finally {
      server.kill();
    }
  });
});
