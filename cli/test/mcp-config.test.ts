import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { main } from '../src/main.js';

async function roku(
  home: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ROKU_HOME: home },
    cwd: home,
  });
  return { code, stdout, stderr };
}

function servers(home: string): unknown {
  return (JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { mcpServers?: unknown }).mcpServers;
}

describe('roku mcp add|list|remove|import', () => {
  it('adds stdio and http servers to config.json, lists and removes them, keeping the rest of the file', async () => {
    const home = tempDir('mcp-home');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ agent: { stepBudget: 7 } }));
    const add = await roku(
      home,
      'mcp',
      'add',
      'fs',
      '--env',
      'TOKEN=abc',
      '--',
      'npx',
      '-y',
      'server-fs',
      '.',
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('added fs: stdio npx -y server-fs .  env: TOKEN\n');
    expect(
      (
        await roku(
          home,
          'mcp',
          'add',
          'api',
          'https://mcp.example/mcp',
          '--header',
          'Authorization: Bearer x',
        )
      ).code,
    ).toBe(0);
    expect(servers(home)).toEqual({
      fs: { command: 'npx', args: ['-y', 'server-fs', '.'], env: { TOKEN: 'abc' } },
      api: { type: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer x' } },
    });
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))).toMatchObject({
      agent: { stepBudget: 7 },
    });
    expect((await roku(home, 'mcp', 'list')).stdout).toBe(
      'fs  stdio npx -y server-fs .  env: TOKEN\napi  http  https://mcp.example/mcp\n',
    );
    const sse = await roku(home, 'mcp', 'add', 'old', 'https://old.example/sse', '--sse');
    expect(sse.stdout).toBe('added old: sse   https://old.example/sse\n');
    expect(servers(home)).toMatchObject({ old: { type: 'sse', url: 'https://old.example/sse' } });
    expect((await roku(home, 'mcp', 'add', 'bad', 'cmd', '--sse')).stderr).toContain(
      '--sse is for a server URL',
    );
    expect((await roku(home, 'mcp', 'remove', 'old')).code).toBe(0);
    expect((await roku(home, 'mcp', 'remove', 'api')).stdout).toBe('removed api\n');
    const missing = await roku(home, 'mcp', 'remove', 'api');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no MCP server named "api"');
    expect(Object.keys(servers(home) as object)).toEqual(['fs']);
  });

  it('refuses a bad name or pair with a usage error and leaves the file alone', async () => {
    const home = tempDir('mcp-home');
    const bad = await roku(home, 'mcp', 'add', 'my.server', 'cmd');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('server name "my.server" must be');
    const pair = await roku(home, 'mcp', 'add', 'x', '--env', 'NOVALUE', '--', 'cmd');
    expect(pair.code).toBe(2);
    expect(pair.stderr).toContain('--env "NOVALUE" must look like NAME=value');
    expect((await roku(home, 'mcp', 'list')).stdout).toMatch(/^no MCP servers in /);
  });

  it("imports a Claude Desktop / Cursor file: fitting entries in Roku's shape, the rest skipped with why", async () => {
    const home = tempDir('mcp-home');
    await roku(home, 'mcp', 'add', 'fs', 'mine');
    const file = join(home, 'claude_desktop_config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          fs: { command: 'theirs' },
          git: { command: 'uvx', args: ['mcp-server-git'], env: { A: '1' }, autoApprove: [] },
          remote: { url: 'https://x.dev/mcp', headers: { K: 'v' } },
          legacy: { type: 'sse', url: 'https://x.dev/sse' },
          odd: { type: 'websocket', url: 'wss://x.dev/ws' },
        },
      }),
    );
    const r = await roku(home, 'mcp', 'import', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'imported 3 servers: git, remote, legacy',
        'skipped fs: already configured (--overwrite replaces it)',
        'skipped odd: transport "websocket" is not supported (only stdio, Streamable HTTP and HTTP+SSE)',
        'git: ignored autoApprove',
        '',
      ].join('\n'),
    );
    expect(servers(home)).toEqual({
      fs: { command: 'mine' },
      git: { command: 'uvx', args: ['mcp-server-git'], env: { A: '1' } },
      remote: { type: 'http', url: 'https://x.dev/mcp', headers: { K: 'v' } },
      legacy: { type: 'sse', url: 'https://x.dev/sse' },
    });
    expect((await roku(home, 'mcp', 'import', file, '--overwrite')).stdout).toContain('imported 4 servers');
    expect(servers(home)).toMatchObject({ fs: { command: 'theirs' } });
  });
});
