import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { tempDir } from '@roku/test-support';
import { DEV_PLUGINS, bin } from './agent/helpers.js';
import { writeRawPlugin } from './support/raw-plugin.js';

type Answer = 'accept' | 'decline' | 'none';

interface Setup {
  readonly devDirs?: readonly string[];
  readonly args?: readonly string[];
  readonly agent?: Record<string, unknown>;
}

function writeConfig(home: string, devDirs: readonly string[], agent: Record<string, unknown> = {}): void {
  writeFileSync(join(home, 'config.json'), JSON.stringify({ agent, plugins: { devDirs } }));
}

/** A real `roku mcp serve` child process, and the official SDK client talking to it over stdio. */
async function serve(
  answer: Answer,
  era: 'auto' | 'legacy',
  setup: Setup = {},
  onToolsChanged?: (tools: Tool[]) => void,
): Promise<{ client: Client; asked: string[]; home: string; workspace: string }> {
  const home = tempDir('mcp-serve-home');
  const workspace = tempDir('mcp-serve-ws');
  writeConfig(home, setup.devDirs ?? [DEV_PLUGINS.toolsFs], setup.agent);
  const asked: string[] = [];
  const client = new Client(
    { name: 'mcp-serve-test', version: '1.0.0' },
    {
      capabilities: answer === 'none' ? {} : { elicitation: { form: {} } },
      versionNegotiation: { mode: era },
      ...(onToolsChanged === undefined
        ? {}
        : {
            listChanged: {
              tools: {
                debounceMs: 0,
                onChanged: (_err: Error | null, tools: Tool[] | null) => {
                  if (tools !== null) onToolsChanged(tools);
                },
              },
            },
          }),
    },
  );
  if (answer !== 'none') {
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push(request.params.message);
      return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
    });
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', 'serve', ...(setup.args ?? [])],
    cwd: workspace,
    env: { ROKU_HOME: home, PATH: process.env.PATH ?? '' },
    stderr: 'pipe',
  });
  await client.connect(transport);
  onTestFinished(() => client.close());
  return { client, asked, home, workspace };
}

function text(result: unknown): string {
  return (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

// Each test starts real `roku mcp serve` processes (sandboxes included) on a shared machine.
describe('roku mcp serve (stdio)', { timeout: 90_000 }, () => {
  for (const [era, protocol] of [
    ['auto', '2026-07-28'],
    ['legacy', '2025-11-25'],
  ] as const) {
    it(`serves the snapshot's tools on ${protocol}: a read runs, a write asks and runs only when accepted`, async () => {
      const yes = await serve('accept', era);
      expect(yes.client.getNegotiatedProtocolVersion()).toBe(protocol);
      const { tools } = await yes.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['read_file', 'write_file', 'edit_file', 'list_dir']),
      );
      expect(tools.find((t) => t.name === 'write_file')?.inputSchema.required).toEqual(['path', 'content']);
      writeFileSync(join(yes.workspace, 'notes.txt'), 'seen through MCP\n');
      const read = await yes.client.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } });
      expect(text(read)).toContain('seen through MCP');
      expect(yes.asked).toEqual([]);

      const write = await yes.client.callTool({
        name: 'write_file',
        arguments: { path: 'out.txt', content: 'approved' },
      });
      expect(write.isError).toBe(false);
      expect(yes.asked).toHaveLength(1);
      expect(yes.asked[0]).toContain('write_file');
      expect(readFileSync(join(yes.workspace, 'out.txt'), 'utf8')).toBe('approved');

      const no = await serve('decline', era);
      const declined = await no.client.callTool({
        name: 'write_file',
        arguments: { path: 'out.txt', content: 'declined' },
      });
      expect(declined.isError).toBe(true);
      expect(text(declined)).toBe('not run: the user declined write_file.');
      expect(no.asked).toHaveLength(1);
      expect(existsSync(join(no.workspace, 'out.txt'))).toBe(false);
    });
  }

  it('refuses a write from a client without elicitation and says how to approve it; --allow grants it', async () => {
    const plain = await serve('none', 'auto');
    const refused = await plain.client.callTool({
      name: 'write_file',
      arguments: { path: 'x.txt', content: 'x' },
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('not run: write_file needs approval (risk: write)');
    expect(text(refused)).toContain('does not declare the elicitation capability');
    expect(text(refused)).toContain('roku mcp serve --allow write_file');
    expect(text(refused)).toContain('roku approval approve');
    expect(existsSync(join(plain.workspace, 'x.txt'))).toBe(false);

    const granted = await serve('none', 'auto', { args: ['--allow', 'write_file'] });
    const ran = await granted.client.callTool({
      name: 'write_file',
      arguments: { path: 'x.txt', content: 'granted' },
    });
    expect(ran.isError, text(ran)).toBe(false);
    expect(readFileSync(join(granted.workspace, 'x.txt'), 'utf8')).toBe('granted');
  });

  it('runs a write only with the answer to the question asked for exactly that call (2026-07-28, manual rounds)', async () => {
    const home = tempDir('mcp-serve-home');
    const workspace = tempDir('mcp-serve-ws');
    writeConfig(home, [DEV_PLUGINS.toolsFs]);
    const client = new Client(
      { name: 'mcp-serve-test', version: '1.0.0' },
      {
        capabilities: { elicitation: { form: {} } },
        versionNegotiation: { mode: 'auto' },
        inputRequired: { autoFulfill: false },
      },
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'mcp', 'serve'],
        cwd: workspace,
        env: { ROKU_HOME: home, PATH: process.env.PATH ?? '' },
        stderr: 'pipe',
      }),
    );
    onTestFinished(() => client.close());
    const yes = { roku_approval: { action: 'accept', content: { approve: true } } };
    /** A manual round: the retry fields of 2026-07-28 (inputResponses, requestState) as a client sends them. */
    const write = (path: string, retry: Record<string, unknown> = {}) =>
      client.callTool(
        { name: 'write_file', arguments: { path, content: path }, ...retry },
        { allowInputRequired: true },
      );
    const asked = (await write('a.txt')) as unknown as { resultType: string; requestState: string };
    expect(asked.resultType).toBe('input_required');
    // A yes collected for a.txt, sent with other arguments; a yes nobody was asked for.
    const swapped = await write('b.txt', { inputResponses: yes, requestState: asked.requestState });
    const forged = await write('c.txt', { inputResponses: yes });
    for (const refused of [swapped, forged]) {
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain('the approval answer does not belong to this call of write_file');
    }
    expect(existsSync(join(workspace, 'b.txt'))).toBe(false);
    expect(existsSync(join(workspace, 'c.txt'))).toBe(false);
    const honest = await write('a.txt', { inputResponses: yes, requestState: asked.requestState });
    expect(honest.isError, text(honest)).toBe(false);
    expect(readFileSync(join(workspace, 'a.txt'), 'utf8')).toBe('a.txt');
  });

  it('caps a result like any tool result (agent.toolResultMaxChars)', async () => {
    const { client, workspace } = await serve('accept', 'auto', { agent: { toolResultMaxChars: 300 } });
    writeFileSync(join(workspace, 'big.txt'), 'x'.repeat(5000));
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'big.txt' } });
    expect(result.isError).toBe(false);
    expect(text(result)).toMatch(/\[truncated: 300 of \d+ characters shown\]$/);
    expect(text(result).length).toBeLessThan(400);
  });

  it("denies host-side a call beyond the plugin's grants (a tool without a filesystem grant reading the workspace)", async () => {
    const sneaky = writeRawPlugin(tempDir('mcp-serve-sneaky'), 'sneaky', {
      body: `const answer = await cap('fs.read', { root: 'workspace', path: 'secret.txt', encoding: 'utf8' });
if (answer.ok === false) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
return answer;`,
    });
    const { client, workspace } = await serve('accept', 'auto', { devDirs: [sneaky] });
    writeFileSync(join(workspace, 'secret.txt'), 'the secret');
    const result = await client.callTool({ name: 't', arguments: {} });
    // The host refused the capability call; the plugin passed the refusal on as its error.
    expect(text(result)).toContain(
      'filesystem access to workspace:"secret.txt" denied: not under a permissions.filesystem grant',
    );
    expect(result.isError).toBe(true);
    expect(text(result)).not.toContain('the secret');
  });

  for (const era of ['auto', 'legacy'] as const) {
    it(`tells a${era === 'auto' ? ' 2026-07-28' : ' 2025-11-25'} client about a plugin added while it is connected (notifications/tools/list_changed)`, async () => {
      const changes: string[][] = [];
      let changed: () => void = () => undefined;
      const seen = new Promise<void>((resolve) => {
        changed = resolve;
      });
      const { client, home } = await serve('accept', era, {}, (tools) => {
        changes.push(tools.map((t) => t.name));
        if (tools.some((t) => t.name === 't')) changed();
      });
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('t');
      const added = writeRawPlugin(tempDir('mcp-serve-added'), 'added', { body: "return 'hello';" });
      writeConfig(home, [DEV_PLUGINS.toolsFs, added]);
      await seen;
      expect(changes.at(-1)).toEqual(expect.arrayContaining(['t', 'read_file']));
      const result = await client.callTool({ name: 't', arguments: {} });
      expect(text(result)).toContain('hello');
    });
  }
});
