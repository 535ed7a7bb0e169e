import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { rawPluginSource, tempDir } from '@roku/test-support';
import { pino } from 'pino';
import { loadConfig } from '@roku/host';
import { DEV_PLUGINS, testServer, writeConfig } from './support.js';

type Answer = 'accept' | 'decline' | 'none';

/** The official SDK client against /mcp; `answer` is how its user answers an approval question. */
async function connect(
  url: string,
  token: string,
  options: { answer: Answer; era?: 'legacy' | 'auto'; onToolsChanged?: (names: string[]) => void },
): Promise<{ client: Client; asked: string[] }> {
  const { onToolsChanged } = options;
  const asked: string[] = [];
  const client = new Client(
    { name: 'mcp-serve-test', version: '1.0.0' },
    {
      capabilities: options.answer === 'none' ? {} : { elicitation: { form: {} } },
      versionNegotiation: { mode: options.era ?? 'auto' },
      ...(onToolsChanged === undefined
        ? {}
        : {
            listChanged: {
              tools: {
                debounceMs: 0,
                onChanged: (_err: Error | null, tools: { name: string }[] | null) => {
                  if (tools !== null) onToolsChanged(tools.map((t) => t.name));
                },
              },
            },
          }),
    },
  );
  if (options.answer !== 'none') {
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push(request.params.message);
      return options.answer === 'accept'
        ? { action: 'accept', content: { approve: true } }
        : { action: 'decline' };
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, asked };
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content;
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

describe('/mcp of roku serve (Streamable HTTP)', () => {
  it('refuses a client without a token, and a token without the chat scope', async () => {
    const t = await testServer();
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const headers = { accept: 'application/json, text/event-stream' };
    const none = await t.call('/mcp', { token: null, json: init, headers });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe('ROKU_HTTP_UNAUTHORIZED');
    const metrics = await t.call('/mcp', { token: t.token(['metrics']), json: init, headers });
    expect(metrics.status).toBe(403);
    await expect(
      connect(t.url, 'not-a-token', { answer: 'accept' }).then(({ client }) => client.close()),
    ).rejects.toThrow();
  });

  it("lists the snapshot's tools and runs a read-only one in its sandbox on the 2026-07-28 revision", async () => {
    const t = await testServer();
    writeFileSync(join(t.workspace, 'notes.txt'), 'hello from the workspace\n');
    const { client, asked } = await connect(t.url, t.token(['chat']), { answer: 'accept' });
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const { tools } = await client.listTools();
      const read = tools.find((tool) => tool.name === 'read_file');
      expect(read?.description).toContain('Reads a UTF-8 text file of the workspace');
      expect(read?.inputSchema.required).toEqual(['path']);
      expect(read?.annotations?.readOnlyHint).toBe(true);
      expect(tools.find((tool) => tool.name === 'write_file')?.annotations?.destructiveHint).toBe(true);
      const result = await client.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } });
      expect(result.isError).toBe(false);
      expect(text(result)).toContain('hello from the workspace');
      // Outside the workspace: the plugin's grants do not reach it, whatever the client asks.
      const outside = await client.callTool({ name: 'read_file', arguments: { path: '../../etc/passwd' } });
      expect(outside.isError).toBe(true);
      expect(text(outside)).not.toContain('root:');
      expect(asked).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('asks through elicitation before a write: accepted runs it once, declined leaves the file alone', async () => {
    const t = await testServer();
    const yes = await connect(t.url, t.token(['chat']), { answer: 'accept' });
    try {
      const result = await yes.client.callTool({
        name: 'write_file',
        arguments: { path: 'approved.txt', content: 'yes' },
      });
      expect(text(result)).toContain('approved.txt');
      expect(result.isError).toBe(false);
      expect(yes.asked).toHaveLength(1);
      expect(yes.asked[0]).toContain('write_file');
      expect(yes.asked[0]).toContain('approved.txt');
      expect(readFileSync(join(t.workspace, 'approved.txt'), 'utf8')).toBe('yes');
    } finally {
      await yes.client.close();
    }
    const no = await connect(t.url, t.token(['chat']), { answer: 'decline' });
    try {
      const result = await no.client.callTool({
        name: 'write_file',
        arguments: { path: 'declined.txt', content: 'no' },
      });
      expect(result.isError).toBe(true);
      expect(text(result)).toBe('not run: the user declined write_file.');
      expect(no.asked).toHaveLength(1);
      expect(existsSync(join(t.workspace, 'declined.txt'))).toBe(false);
    } finally {
      await no.client.close();
    }
    // Each call is in the audit log under its token, without its arguments.
    const audit = (await (await t.call('/v1/audit?action=mcp.call')).json()) as {
      data: { actor: string; outcome: string; target: string; details: unknown }[];
    };
    expect(audit.data.map((e) => [e.target, e.outcome, e.details])).toEqual([
      ['write_file', 'ok', { outcome: 'ran', by: 'user' }],
      ['write_file', 'denied', { outcome: 'declined', by: 'user' }],
    ]);
    expect(audit.data.every((e) => e.actor.startsWith('token:') && e.actor !== 'token:anonymous')).toBe(true);
    expect(JSON.stringify(audit.data)).not.toContain('approved.txt');
  });

  it('refuses a write with how to approve it when the client cannot ask (no elicitation, or a stateless 2025 client)', async () => {
    const t = await testServer();
    for (const options of [
      { answer: 'none' as const },
      { answer: 'accept' as const, era: 'legacy' as const },
    ]) {
      const { client, asked } = await connect(t.url, t.token(['chat']), options);
      try {
        const result = await client.callTool({
          name: 'write_file',
          arguments: { path: 'refused.txt', content: 'x' },
        });
        expect(result.isError).toBe(true);
        expect(text(result)).toContain('not run: write_file needs approval (risk: write)');
        expect(text(result)).toContain('roku mcp serve --allow write_file');
        expect(text(result)).toContain('roku approval approve');
        expect(asked).toEqual([]);
        expect(existsSync(join(t.workspace, 'refused.txt'))).toBe(false);
        // Read-only tools still run for such a client.
        const list = await client.callTool({ name: 'list_dir', arguments: { path: '.' } });
        expect(list.isError).toBe(false);
      } finally {
        await client.close();
      }
    }
  });

  it('tells a 2026-07-28 client about a plugin added while it is connected (notifications/tools/list_changed)', async () => {
    // A server that re-reads its config file, as `roku serve` does.
    const home = tempDir('mcp-home');
    const workspace = tempDir('mcp-ws');
    writeConfig(home);
    const env = { ROKU_HOME: home };
    const runtime = {
      config: loadConfig({ env }).config,
      home,
      workspace,
      logger: pino({ level: 'silent' }),
      env,
      configFile: join(home, 'config.json'),
      reloadConfig: () => loadConfig({ env }).config,
    };
    const t = await testServer({ home, workspace, serve: { runtime } });
    let changed: (names: string[]) => void = () => undefined;
    const seen = new Promise<string[]>((resolve) => {
      changed = resolve;
    });
    const { client } = await connect(t.url, t.token(['chat']), {
      answer: 'accept',
      onToolsChanged: (names) => {
        if (names.includes('t')) changed(names);
      },
    });
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('t');
      const dir = join(tempDir('mcp-added'), 'added');
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'roku.plugin.json'),
        JSON.stringify({
          manifestVersion: 1,
          id: '@test/added',
          version: '0.0.1',
          description: 'Added while a client is connected.',
          license: 'MIT',
          engines: { roku: '^0.1.0' },
          runtime: { type: 'isolate', entry: 'plugin.js' },
          contributes: {
            tools: [
              { name: 't', description: 'The added tool.', inputSchema: { type: 'object' }, risk: ['read'] },
            ],
          },
          permissions: {},
        }),
      );
      writeFileSync(join(dir, 'plugin.js'), rawPluginSource("return 'added tool ran';"));
      const config = JSON.parse(readFileSync(join(t.home, 'config.json'), 'utf8')) as {
        plugins: { devDirs: string[] };
      };
      config.plugins.devDirs = [...DEV_PLUGINS, dir];
      writeFileSync(join(t.home, 'config.json'), JSON.stringify(config));
      expect(await seen).toEqual(expect.arrayContaining(['t', 'read_file']));
      expect(text(await client.callTool({ name: 't', arguments: {} }))).toContain('added tool ran');
    } finally {
      await client.close();
    }
  });
});
