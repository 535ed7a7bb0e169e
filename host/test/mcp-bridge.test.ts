import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostConfigValidator } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { McpBridge, readMcpStatus } from '../src/mcp/index.js';
import type { McpServerView } from '../src/mcp/index.js';

const SERVER = fileURLToPath(new URL('./fixtures/mcp/changing-server.mjs', import.meta.url));
const validator = createHostConfigValidator();
const bridges: McpBridge[] = [];

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

function setup(extra: Record<string, unknown> = {}): {
  bridge: McpBridge;
  config: ResolvedHostConfig;
  starts: string;
  defs: string;
  changes: string[];
  home: string;
} {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'roku-mcp-bridge-')));
  const defs = join(root, 'defs.json');
  const starts = join(root, 'starts.log');
  writeFileSync(defs, JSON.stringify({ description: 'Greets someone.' }));
  const result = validator.validate({
    mcpServers: { c: { command: process.execPath, args: [SERVER, defs, starts], ...extra } },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const changes: string[] = [];
  const bridge = new McpBridge({
    workspace: root,
    hidden: [],
    home: root,
    logger: pino({ level: 'silent' }),
    onChange: (reason) => changes.push(reason),
  });
  bridges.push(bridge);
  return { bridge, config: result.value, starts, defs, changes, home: root };
}

/** Polls until `check` holds (the bridge works in the background); fails after a generous bound. */
async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function only(views: McpServerView[]): McpServerView {
  expect(views).toHaveLength(1);
  return views[0]!;
}

const callOf = (view: McpServerView, tool: string, input: unknown = {}): Promise<unknown> =>
  view.sandbox!.call(`tool:mcp__c__${tool}`, input);

describe('MCP bridge: a server that drops', () => {
  it('is started again with backoff; meanwhile its tools are gone and a call gets a clear error', async () => {
    const { bridge, config, starts, changes } = setup({ reconnect: { initialDelayMs: 100 } });
    const first = only(await bridge.sync(config));
    expect(first.state.ok).toBe(true);
    // (the SDK may start a stdio server twice while it negotiates the protocol era)
    const startsAtFirst = readFileSync(starts, 'utf8').trim().split('\n').length;
    await expect(callOf(first, 'die')).rejects.toMatchObject({ code: 'ROKU_MCP_CALL_FAILED' });

    const away = await until('the reconnect state', () => {
      const s = only(bridge.views()).state;
      return !s.ok && s.status === 'reconnecting' ? s : undefined;
    });
    expect(away.problem).toMatch(/is reconnecting \(attempt 1 of 5, in \d+ ms\): the server went away/);
    expect(only(bridge.views()).sandbox).toBeUndefined();
    await expect(callOf(first, 'greet', { name: 'x' })).rejects.toThrow(
      /is reconnecting .*The call was not run/,
    );

    const back = await until('the server back', () => {
      const v = only(bridge.views());
      return v.state.ok ? v : undefined;
    });
    expect(await callOf(back, 'greet', { name: 'again' })).toBe('hello again');
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(2 * startsAtFirst);
    expect(changes).toEqual(['MCP server c went away', 'MCP server c reconnected']);
  });

  it('records what it sees for roku mcp list and doctor, and removes it when closed', async () => {
    const { bridge, config, home } = setup();
    await bridge.sync(config);
    expect(readMcpStatus(home)).toEqual([
      expect.objectContaining({
        pid: process.pid,
        servers: { c: expect.objectContaining({ status: 'connected', wire: 'stdio' }) as unknown },
      }),
    ]);
    await bridge.close();
    expect(readMcpStatus(home)).toEqual([]);
  });

  it('gives up after its bounded attempts, says so, and a reload does not start it again', async () => {
    const { bridge, config, starts, changes } = setup({ reconnect: { maxAttempts: 2, initialDelayMs: 50 } });
    const first = only(await bridge.sync(config));
    writeFileSync(starts, 'stay-down\n');
    await expect(callOf(first, 'die')).rejects.toMatchObject({ code: 'ROKU_MCP_CALL_FAILED' });
    const failed = await until('giving up', () => {
      const s = only(bridge.views()).state;
      return !s.ok && s.status === 'failed' ? s : undefined;
    });
    expect(failed.problem).toContain('went away and did not come back after 2 reconnect attempts');
    expect(changes.at(-1)).toBe('MCP server c gave up');
    const again = only(await bridge.sync(config));
    expect(again.state.ok).toBe(false);
  });

  it('with maxAttempts 0 does not reconnect at all', async () => {
    const { bridge, config } = setup({ reconnect: { maxAttempts: 0 } });
    const first = only(await bridge.sync(config));
    await expect(callOf(first, 'die')).rejects.toMatchObject({ code: 'ROKU_MCP_CALL_FAILED' });
    const failed = await until('giving up', () => {
      const s = only(bridge.views()).state;
      return !s.ok ? s : undefined;
    });
    expect(failed.problem).toContain('after 0 reconnect attempts');
  });
});

describe('MCP bridge: list changed, resources', () => {
  it("reloads the server's tools when it says its list changed", async () => {
    const { bridge, config, changes } = setup();
    const first = only(await bridge.sync(config));
    expect(first.sandbox?.description.tools).not.toContain('mcp__c__added');
    expect(await callOf(first, 'flip')).toBe('flipped');
    await until('the changed list', () => changes.includes('MCP server c: tools changed'));
    const now = only(bridge.views());
    expect(now.sandbox?.description.tools).toContain('mcp__c__added');
  });

  it('lists and reads the resources of a server that offers them', async () => {
    const { bridge, config } = setup();
    const view = only(await bridge.sync(config));
    expect(view.sandbox?.description.tools).toEqual(
      expect.arrayContaining(['mcp__c__list_resources', 'mcp__c__read_resource']),
    );
    const listed = JSON.parse((await callOf(view, 'list_resources')) as string) as {
      resources: { uri: string }[];
    };
    expect(listed.resources.map((r) => r.uri)).toEqual(['memo://one']);
    expect(await callOf(view, 'read_resource', { uri: 'memo://one' })).toBe('contents of memo://one');
  });
});

const HTTP_SERVER = fileURLToPath(new URL('./fixtures/mcp/http-echo-server.mjs', import.meta.url));

/** Starts the Streamable HTTP echo server on `port` (0: any) and resolves with it and its port. */
async function httpServer(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [HTTP_SERVER, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bound = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /listening (\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => {
      reject(new Error(`http server exited with ${String(code)}`));
    });
  });
  return { child, port: bound };
}

describe('MCP bridge: a remote server that drops', () => {
  it('is reached again once it is back; calls meanwhile get a clear error', async () => {
    let server = await httpServer(0);
    const { port } = server;
    try {
      const root = realpathSync(mkdtempSync(join(tmpdir(), 'roku-mcp-http-')));
      const result = validator.validate({
        mcpServers: {
          web: {
            type: 'http',
            url: `http://127.0.0.1:${port}/mcp`,
            reconnect: { initialDelayMs: 200, maxAttempts: 20 },
          },
        },
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      const bridge = new McpBridge({
        workspace: root,
        hidden: [],
        home: root,
        logger: pino({ level: 'silent' }),
      });
      bridges.push(bridge);
      const first = only(await bridge.sync(result.value));
      expect(await first.sandbox!.call('tool:mcp__web__echo', { text: 'one' })).toBe('one');

      server.child.kill();
      await new Promise((r) => server.child.once('exit', r));
      await expect(first.sandbox!.call('tool:mcp__web__echo', { text: 'two' })).rejects.toMatchObject({
        code: 'ROKU_MCP_CALL_FAILED',
      });
      const away = only(bridge.views()).state;
      expect(!away.ok && away.problem).toMatch(
        /is reconnecting \(attempt \d+ of 20, in \d+ ms\): the server is unreachable/,
      );

      server = await httpServer(port);
      const back = await until('the server back', () => {
        const v = only(bridge.views());
        return v.state.ok ? v : undefined;
      });
      expect(await back.sandbox!.call('tool:mcp__web__echo', { text: 'three' })).toBe('three');
    } finally {
      server.child.kill();
    }
  });
});
