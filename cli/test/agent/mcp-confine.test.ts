import { copyFileSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

const PROBE = fileURLToPath(new URL('./fixtures/mcp-crash-server.mjs', import.meta.url));
const CHANGING = fileURLToPath(
  new URL('../../../host/test/fixtures/mcp/changing-server.mjs', import.meta.url),
);

/** What the confined probe server could do: read `file`, connect to `port`. */
async function probe(
  confine: unknown,
  file: string,
  port: number,
): Promise<{ code: number; stdout: string; stderr: string; seen?: { file: string; net: string } }> {
  const cli = await inProcessCli({
    config: { mcpServers: { probe: { command: process.execPath, args: ['probe-server.mjs'], confine } } },
  });
  copyFileSync(PROBE, join(cli.workspace, 'probe-server.mjs'));
  const r = await cli.run([
    'run',
    '--yes-always',
    'call',
    'mcp__probe__probe',
    JSON.stringify({ file, port }),
  ]);
  const text = r.stdout.replace(/^mcp__probe__probe returned: /, '');
  return text.startsWith('{') ? { ...r, seen: JSON.parse(text) as { file: string; net: string } } : r;
}

describe('confine grants (bubblewrap)', () => {
  it('a granted folder is readable and a granted origin reachable; without the grants neither is', async () => {
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    const port = (listener.address() as AddressInfo).port;
    const shared = realpathSync(mkdtempSync(join(tmpdir(), 'roku-grant-')));
    const file = join(shared, 'data.txt');
    writeFileSync(file, 'shared data');
    try {
      const bare = await probe(true, file, port);
      expect(bare.seen?.file, bare.stderr).toMatch(/^refused: /);
      expect(bare.seen?.net).toMatch(/^refused: /);
      const granted = await probe(
        { folders: [{ path: shared }], network: [`http://127.0.0.1:${port}`] },
        file,
        port,
      );
      expect(granted.seen, granted.stderr).toEqual({ file: 'read: shared data', net: 'connected' });
    } finally {
      listener.close();
    }
  });

  it('refuses a grant of a folder that does not exist or holds the Roku data dir, naming it', async () => {
    const missing = await probe({ folders: [{ path: './no-such-folder' }] }, '/x', 1);
    expect(missing.stderr).toContain('confine.folders grants ./no-such-folder, which does not exist');
    expect(missing.stdout).not.toContain('returned');
    const secret = await probe({ folders: [{ path: '/' }] }, '/x', 1);
    expect(secret.stderr).toContain("confine.folders may not grant / (it is or holds Roku's data dir)");
  });
});

describe('limits (prlimit)', () => {
  it("puts the entry's limits on the server process, and a server over its CPU time is stopped", async () => {
    const cli = await inProcessCli({});
    const defs = join(cli.workspace, 'defs.json');
    writeFileSync(defs, JSON.stringify({ description: 'Greets someone.' }));
    const entry = {
      command: process.execPath,
      args: [CHANGING, defs],
      limits: { cpuSeconds: 2, memoryMb: 2048, openFiles: 256 },
    };
    const config = JSON.parse(readFileSync(join(cli.home, 'config.json'), 'utf8')) as Record<string, unknown>;
    cli.writeConfig({ ...config, mcpServers: { lim: entry } });
    const limits = await cli.run(['run', '--yes-always', 'call', 'mcp__lim__limits', '{}']);
    expect(limits.code, limits.stderr).toBe(0);
    expect(limits.stdout).toMatch(/Max cpu time\s+2\s+2\s+seconds/);
    expect(limits.stdout).toMatch(
      new RegExp(`Max data size\\s+${2048 * 1024 * 1024}\\s+${2048 * 1024 * 1024}\\s+bytes`),
    );
    expect(limits.stdout).toMatch(/Max open files\s+256\s+256\s+files/);

    const spun = await cli.run(['run', '--yes-always', 'call', 'mcp__lim__spin', '{}']);
    expect(spun.code, spun.stderr).toBe(0);
    expect(spun.stdout).toContain('mcp__lim__spin returned: error [ROKU_MCP_CALL_FAILED]');
  });
});
