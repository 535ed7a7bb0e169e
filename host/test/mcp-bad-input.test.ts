import { mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostConfigValidator } from '@roku/schemas';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { McpBridge } from '../src/mcp/index.js';
import type { McpServerView } from '../src/mcp/index.js';

const BAD = fileURLToPath(new URL('./fixtures/mcp/bad-server.mjs', import.meta.url));
const validator = createHostConfigValidator();
const bridges: McpBridge[] = [];

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

/** Processes whose command line runs the bad server in `mode`. */
function running(mode: string): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(BAD) && cmd.includes(`\0${mode}`)) n += 1;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** The processes still running in `mode` once they had a few seconds to exit (the SDK ends stdin first). */
async function leftRunning(mode: string): Promise<number> {
  for (let i = 0; i < 50 && running(mode) > 0; i += 1) await new Promise((r) => setTimeout(r, 100));
  return running(mode);
}

async function open(mode: string, extra: Record<string, unknown> = {}): Promise<McpServerView> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'roku-mcp-bad-')));
  const result = validator.validate({
    mcpServers: { bad: { command: process.execPath, args: [BAD, mode], ...extra } },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const bridge = new McpBridge({
    workspace: root,
    hidden: [],
    home: root,
    logger: pino({ level: 'silent' }),
  });
  bridges.push(bridge);
  const views = await bridge.sync(result.value);
  return views[0]!;
}

const echo = (view: McpServerView): Promise<unknown> => view.sandbox!.call('tool:mcp__bad__echo', {});

describe('MCP servers that misbehave', () => {
  it('one that never answers initialize is left out with why, and its process is stopped', async () => {
    const view = await open('silent', { startupTimeoutMs: 500 });
    expect(view.state).toMatchObject({ ok: false });
    expect(!view.state.ok && view.state.problem).toContain('no handshake within 500 ms');
    expect(await leftRunning('silent')).toBe(0);
  });

  it('one that asks for a protocol revision we do not speak is left out, naming it', async () => {
    const view = await open('old-protocol');
    expect(!view.state.ok && view.state.problem).toMatch(/MCP server "bad" failed to start: .*2023-01-01/);
    expect(await leftRunning('old-protocol')).toBe(0);
  });

  it('one that writes lines that are not JSON-RPC still answers its calls', async () => {
    const view = await open('garbage');
    expect(view.state.ok).toBe(true);
    expect(await echo(view)).toBe('still here');
  });

  it('one that floods notifications still answers its calls', async () => {
    const view = await open('flood');
    expect(await echo(view)).toBe('still here');
  });

  it('a huge result reaches the loop, which caps it like any tool result (maxOutputChars)', async () => {
    const view = await open('huge');
    expect(((await echo(view)) as string).length).toBe(5_000_000);
    expect(view.sandbox!.manifest.contributes.tools?.[0]?.maxOutputChars).toBe(65_536);
  });

  it('a malformed result is a clear error of the call, and the server stays usable', async () => {
    const view = await open('malformed');
    await expect(echo(view)).rejects.toMatchObject({ code: 'ROKU_MCP_CALL_FAILED' });
    await expect(echo(view)).rejects.toThrow(/MCP server "bad", tool echo: /);
  });

  it('a call over its callTimeoutMs fails clearly', async () => {
    const view = await open('hang', { callTimeoutMs: 300 });
    await expect(echo(view)).rejects.toMatchObject({ code: 'ROKU_MCP_CALL_FAILED' });
    await expect(echo(view)).rejects.toThrow(/MCP server "bad", tool echo: .*time/i);
  });
});
