import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createTokenStore, openServerDb } from '../src/index.js';
import type { TokenScope } from '../src/index.js';
import { repo, writeConfig } from './support.js';
import type { Setup } from './support.js';

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `roku serve --port 0` as its own process (the built CLI), on `home` with `workspace` as its cwd. */
export async function serve(home: string, workspace: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [join(repo, 'cli/dist/bin.js'), 'serve', '--port', '0', '--grace', '5000'],
    {
      cwd: workspace,
      env: { ...process.env, ROKU_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  onTestFinished(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1] as string);
    });
    void exited.then((code) => {
      reject(new Error(`roku serve exited ${code}: ${err}`));
    });
  });
  return {
    url,
    child,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export function setup(
  config: Setup = {},
  scopes: readonly TokenScope[] = ['chat', 'approvals'],
): { home: string; workspace: string; token: string } {
  const home = tempDir('serve-restart');
  const workspace = tempDir('serve-restart-ws');
  writeConfig(home, config);
  const db = openServerDb(home);
  const token = createTokenStore(db).create('restart', scopes).token;
  db.close();
  return { home, workspace, token };
}

export function call(base: string, token: string, path: string, json?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
}
