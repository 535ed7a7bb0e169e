import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

// The official reference server from npm in its `sse` mode: the older HTTP+SSE transport (GET /sse, POST /message).
const EVERYTHING = realpathSync(
  fileURLToPath(
    new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
  ),
);

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

let server: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, 'sse'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = child;
  await new Promise<void>((ready, fail) => {
    child.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('running on port')) ready();
    });
    child.once('exit', (code) => {
      fail(new Error(`server exited with ${String(code)}`));
    });
  });
});

afterAll(() => {
  server?.kill();
});

describe('the older HTTP+SSE transport', () => {
  it('calls a tool of a server configured with type "sse" (server-everything sse on loopback)', async () => {
    const cli = await inProcessCli({
      config: { mcpServers: { old: { type: 'sse', url: `http://127.0.0.1:${port}/sse` } } },
    });
    const r = await cli.run(['run', '--yes-always', 'call', 'mcp__old__echo', 'over sse']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('mcp__old__echo returned: Echo: over sse\n');
  });

  it('falls back from Streamable HTTP to HTTP+SSE when the server answers the first POST with a 4xx', async () => {
    const cli = await inProcessCli({
      config: { mcpServers: { auto: { type: 'http', url: `http://127.0.0.1:${port}/sse` } } },
    });
    const r = await cli.run(['run', '--yes-always', 'call', 'mcp__auto__echo', 'fell back']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('mcp__auto__echo returned: Echo: fell back\n');
    const shown = await cli.run(['mcp', 'show', 'auto', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const listed = JSON.parse(shown.stdout) as {
      wire: string;
      tools: { name: string }[];
      prompts: unknown[];
    };
    expect(listed.wire).toBe('http+sse');
    expect(listed.tools.map((t) => t.name)).toContain('echo');
    expect(listed.prompts.length).toBeGreaterThan(0);
  });

  it('a server that cannot be reached is reported and the session goes on', async () => {
    const closed = await freePort();
    const cli = await inProcessCli({
      config: { mcpServers: { none: { type: 'sse', url: `http://127.0.0.1:${closed}/sse` } } },
    });
    const r = await cli.run(['run', 'hello']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('MCP server "none" failed to start');
    expect(r.stdout).toBe('You said: hello\n');
  });
});
