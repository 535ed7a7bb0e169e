import { spawn } from 'node:child_process';
import type { ChildProcess, ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { grantFor } from '../src/commands/author/dev-logs.js';
import { repo, run, stopAll, tempDir } from './author/helpers.js';

const bin = join(repo, 'cli/dist/bin.js');
const children: ChildProcess[] = [];

afterEach(() => stopAll(children));

/** A real `roku` process; its stdout is collected as it comes. */
function roku(
  args: string[],
  home: string,
): { child: ChildProcessByStdio<Writable, Readable, Readable>; out: () => string } {
  let out = '';
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ROKU_HOME: home },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  children.push(child);
  return { child, out: () => out };
}

/** Waits for `probe` to give a value (polling); fails with `what` when the process gives up first. */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function source(version: string, body: string): string {
  return `import { definePlugin, defineTool } from '@roku/plugin-api';

export const shout = defineTool({
  name: 'shout',
  handler: async (input: { text: string }, ctx) => {
    ctx.log.info('shouting ${version}', { length: input.text.length });
    ${body}
    return { text: input.text.toUpperCase() };
  },
});

export default definePlugin({ tools: [shout] });
`;
}

/** A TypeScript tool plugin on the SDK, in a temp folder (the SDK linked in as its dependency). */
function shoutPlugin(): string {
  const dir = join(tempDir('dev'), 'shout');
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@roku'), { recursive: true });
  symlinkSync(join(repo, 'plugin-api'), join(dir, 'node_modules/@roku/plugin-api'));
  writeManifest(dir, '1.0.0');
  writeFileSync(join(dir, 'src/index.ts'), source('v1', ''));
  return dir;
}

function writeManifest(dir: string, version: string): void {
  const manifest = {
    manifestVersion: 1,
    id: '@acme/shout',
    version,
    description: 'Shouts.',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'dist/plugin.js' },
    contributes: {
      tools: [
        {
          name: 'shout',
          description: 'Upper-cases a text.',
          inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
          risk: ['read'],
        },
      ],
    },
    permissions: {},
  };
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
}

interface DevEvent {
  type: string;
  ok?: boolean;
  error?: string;
  message?: string;
  reason?: string;
  grant?: string | null;
}

const events = (out: string): DevEvent[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as DevEvent);

describe('roku plugin dev', () => {
  it(
    'hot-reloads a saved plugin into a running roku serve and streams its logs and denials from a chat',
    { timeout: 120_000 },
    async () => {
      const home = tempDir('dev-home');
      const scripted = join(repo, 'plugins/provider-scripted');
      writeFileSync(
        join(home, 'config.json'),
        JSON.stringify({
          log: { level: 'debug' },
          plugins: {
            devDirs: [scripted],
            settings: {
              '@roku/plugin-provider-scripted': {
                script: [{ toolCalls: [{ name: 'shout', arguments: { text: 'hi' } }] }, { text: 'done' }],
              },
            },
          },
        }),
      );
      const token = (await run(['token', 'create', '--scope', 'admin'], { home })).stdout.trim();
      const serve = roku(['serve', '--port', '0'], home);
      const url = await until('roku serve to listen', () => /listening on (\S+)/.exec(serve.out())?.[1]);
      const versions = async (): Promise<Record<string, string>> => {
        const res = await fetch(`${url}/v1/plugins`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { snapshot: { id: string; version: string }[] };
        return Object.fromEntries(body.snapshot.map((p) => [p.id, p.version]));
      };
      expect((await versions())['@acme/shout']).toBeUndefined();

      const plugin = shoutPlugin();
      const dev = roku(['plugin', 'dev', plugin, '--json'], home);
      await until('the dev plugin in the server', async () =>
        (await versions())['@acme/shout'] === '1.0.0' ? true : undefined,
      );
      const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
        plugins: { devDirs: string[] };
      };
      expect(config.plugins.devDirs).toEqual([scripted, plugin]);
      expect(events(dev.out())).toContainEqual(expect.objectContaining({ type: 'build', ok: true }));

      // A save that does not compile: reported with the file and line, the server keeps the old version.
      writeFileSync(join(plugin, 'src/index.ts'), 'export default definePlugin({ tools: [ });\n');
      const failed = await until('the failed build', () =>
        events(dev.out()).find((e) => e.type === 'build' && e.ok === false),
      );
      expect(failed.error).toContain('src/index.ts:1');

      // A save that compiles: rebuilt, signalled, and the server swaps in the new version.
      writeManifest(plugin, '1.0.1');
      writeFileSync(
        join(plugin, 'src/index.ts'),
        source('v2', "await ctx.fetch('https://api.example.com/v1').catch(() => null);"),
      );
      await until('the new version in the server', async () =>
        (await versions())['@acme/shout'] === '1.0.1' ? true : undefined,
      );

      // A chat run (another process) calls the tool: its log line and its denial reach the dev loop.
      const chat = roku(['chat', '--pipe', '--yes-always'], home);
      chat.child.stdin.end('shout hi');
      await until('the chat to finish', () => (chat.child.exitCode === null ? undefined : true));
      expect(JSON.parse(chat.out())).toMatchObject({ ok: true, message: 'done' });
      const log = await until('the plugin log line', () => events(dev.out()).find((e) => e.type === 'log'));
      expect(log.message).toBe('shouting v2');
      const denial = await until('the denial', () => events(dev.out()).find((e) => e.type === 'denial'));
      expect(denial.reason).toContain(
        'network access to https://api.example.com denied: not named in permissions.network',
      );
      expect(denial.grant).toBe(
        'roku.plugin.json: "permissions": { "network": ["https://api.example.com"] }',
      );
    },
  );
});

describe('roku plugin dev denial hints', () => {
  it('name the manifest or config line that grants what the host refused, and none for a deny rule', () => {
    const id = '@acme/shout';
    const cases: [string, string | null][] = [
      [
        `${id}: filesystem access to workspace:"notes/a.txt" denied: not under a permissions.filesystem grant`,
        'roku.plugin.json: "permissions": { "filesystem": [{ "root": "workspace", "path": "notes/a.txt", "access": "read" }] }',
      ],
      [
        `${id}: writing data:"cache.json" denied: permissions.filesystem grants read access only`,
        'roku.plugin.json: "permissions": { "filesystem": [{ "root": "data", "path": "cache.json", "access": "read-write" }] }',
      ],
      [
        `${id}: env.get of "ACME_REGION" denied: not named in permissions.env`,
        'roku.plugin.json: "permissions": { "env": ["ACME_REGION"] }',
      ],
      [
        `${id}: llm.chat denied: capabilities.llm is not granted`,
        'roku.plugin.json: "permissions": { "capabilities": { "llm": true } }',
      ],
      [
        `${id}: tools.invoke denied: tool "read_file" is not named in capabilities.tools`,
        'roku.plugin.json: "permissions": { "capabilities": { "tools": ["read_file"] } }',
      ],
      [
        `${id}: memory.write denied: capabilities.memory is read, not read-write`,
        'roku.plugin.json: "permissions": { "capabilities": { "memory": "read-write" } }',
      ],
      [`${id}: command "git push --force" refused: it contains "git push --force", which is denied`, null],
    ];
    for (const [reason, grant] of cases) expect(grantFor(reason, id), reason).toBe(grant);
  });
});
