import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { loadConfig } from '@roku/host';
import { scriptedSettings, tempDir } from '@roku/test-support';
import type { ScriptStep } from '@roku/test-support';
import { createTokenStore, openServerDb, startServer } from '../src/index.js';
import type { RunningServer, ServeOptions, TokenScope } from '../src/index.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const DEV_PLUGINS = [
  join(repo, 'plugins/provider-scripted'),
  join(repo, 'plugins/toolset-fs'),
  join(repo, 'examples/tool-echo'),
];

export interface Setup {
  readonly script?: readonly ScriptStep[];
  /** Settings of the scripted provider besides the script (delayMs, chunkChars). */
  readonly scripted?: Record<string, unknown>;
  readonly home?: string;
  readonly workspace?: string;
  readonly serve?: Partial<ServeOptions>;
  /** More top-level sections of config.json (e.g. approvals). */
  readonly config?: Record<string, unknown>;
  /** More environment of the runtime (secrets such as OPENAI_API_KEY). */
  readonly env?: Record<string, string>;
}

/** Writes `$home/config.json`: the first-party plugins as dev plugins, quick retries. */
export function writeConfig(home: string, setup: Setup = {}): void {
  const settings = scriptedSettings(setup.script ?? [], { strict: false }) as Record<
    string,
    Record<string, unknown>
  >;
  const id = Object.keys(settings)[0] as string;
  settings[id] = { ...settings[id], ...setup.scripted };
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({
      agent: { initialBackoffMs: 1, maxBackoffMs: 5 },
      plugins: { devDirs: DEV_PLUGINS, settings },
      ...setup.config,
    }),
  );
}

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly home: string;
  readonly workspace: string;
  /** A token with these scopes (default all). */
  token(scopes?: readonly TokenScope[]): string;
  /** fetch against the server with a bearer token. */
  call(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
}

/** A real `roku serve` on a free loopback port, with the scripted provider; closed after the test. */
export async function testServer(setup: Setup = {}): Promise<TestServer> {
  const home = setup.home ?? tempDir('serve-home');
  const workspace = setup.workspace ?? tempDir('serve-ws');
  writeConfig(home, setup);
  const env = { ...setup.env, ROKU_HOME: home };
  const logger = pino({ level: process.env.ROKU_TEST_LOG ?? 'silent' });
  const server = await startServer({
    runtime: { config: loadConfig({ env }).config, home, workspace, logger, env },
    home,
    logger,
    port: 0,
    heartbeatMs: 200,
    graceMs: 2000,
    ...setup.serve,
  });
  onTestFinished(() => server.close());
  const db = openServerDb(home);
  const tokens = createTokenStore(db);
  onTestFinished(() => {
    db.close();
  });
  const admin = tokens.create('test', ['chat', 'approvals', 'admin', 'metrics']).token;
  return {
    server,
    url: server.url,
    home,
    workspace,
    token: (scopes = ['chat', 'approvals', 'admin', 'metrics']) => tokens.create('t', scopes).token,
    call(path, init = {}) {
      const { token = admin, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { method: rest.method ?? 'POST', body: JSON.stringify(json) }),
      });
    },
  };
}

export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** Parses an SSE body; stops after `stopAfter` events with an id when given (the rest is left unread). */
export async function readSse(
  res: Response,
  stopAfter?: number,
): Promise<{ events: SseEvent[]; comments: number }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments++;
        const m = /^(\w+): ?(.*)$/.exec(line);
        if (m !== null) fields[m[1] as string] = m[2] as string;
      }
      if (fields.data === undefined) continue;
      events.push({
        ...(fields.id === undefined ? {} : { id: fields.id }),
        ...(fields.event === undefined ? {} : { event: fields.event }),
        data: fields.data,
      });
      if (stopAfter !== undefined && events.filter((e) => e.id !== undefined).length >= stopAfter) {
        await reader.cancel();
        return { events, comments };
      }
    }
  }
  return { events, comments };
}
