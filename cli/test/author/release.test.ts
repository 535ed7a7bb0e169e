/**
 * The release tarballs outside the workspace (issue 18): `pnpm release:pack` writes them, npm installs the CLI
 * globally into a temporary prefix, and, for every kind `roku plugin init --kind` knows, a new plugin is
 * generated next to an `npm install` of the SDK and test-kit tarballs, built, tested, packed, signed, published
 * to a loopback `roku registry serve`, installed into a fresh ROKU_HOME and used in a `roku run` session with
 * the scripted provider. Every command runs with a PATH of the installed `roku` and node only, in folders
 * under the system temp folder, so nothing of the workspace can be resolved. Needs `pnpm build` first; npm
 * fetches third-party packages from its cache (or the registry when they are not cached).
 *
 * It takes minutes (npm installs, six plugins through the whole path), so it runs where ROKU_RELEASE_TEST=1:
 * scripts/test.sh (the README's test command, which CI runs) sets it; a local `pnpm test` skips it.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, tempDir } from './helpers.js';

const STEP_TIMEOUT = 300_000;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const SCRIPTED = '@roku/plugin-provider-scripted';

const MCP_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const call = JSON.parse(body);
    const text = String(call.params.arguments.text).toUpperCase();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text }] } }));
  });
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
`;

interface Sh {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let root = '';
let release = '';
let env: Record<string, string> = {};
let registry: ChildProcess | undefined;
let registryUrl = '';
let mcp: ChildProcess | undefined;
let mcpUrl = '';

/**
 * What npm needs to reach its registry from this machine, when the machine's own npm is configured for it: proxy
 * variables, extra CA certificates, and the CA file of the system npm's config (the toolchain's npm, and npm with
 * `--prefix`, read another global config file, so a machine whose TLS goes through its own CA would fail with
 * SELF_SIGNED_CERT_IN_CHAIN on any package not in npm's cache).
 */
function npmNetworkEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [
    'NODE_EXTRA_CA_CERTS',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'https_proxy',
    'http_proxy',
    'no_proxy',
    'npm_config_registry',
    'npm_config_cafile',
    'npm_config_cache',
  ]) {
    const value = process.env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  if (out.npm_config_cafile === undefined) {
    for (const file of ['/usr/etc/npmrc', '/etc/npmrc', '/usr/local/etc/npmrc']) {
      const line = existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .find((l) => /^\s*cafile\s*=/.test(l))
        : undefined;
      const cafile = line?.replace(/^\s*cafile\s*=\s*/, '').trim();
      if (cafile !== undefined && cafile !== '' && existsSync(cafile)) {
        out.npm_config_cafile = cafile;
        break;
      }
    }
  }
  return out;
}

/** A command with only the installed roku and node on PATH. */
function sh(cmd: string, args: string[], options: { cwd: string; home?: string }): Sh {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd,
    env: { ...env, ...(options.home === undefined ? {} : { ROKU_HOME: options.home }) },
    encoding: 'utf8',
    timeout: STEP_TIMEOUT,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(result: Sh, what: string): string {
  if (result.code !== 0)
    throw new Error(`${what} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function tarballs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(release)) out[f.replace(/-\d+\.\d+\.\d+\.tgz$/, '')] = join(release, f);
  return out;
}

describe.runIf(process.env.ROKU_RELEASE_TEST === '1')('release tarballs outside the workspace', () => {
  beforeAll(async () => {
    root = realpathSync(tempDir('release'));
    release = join(root, 'release');
    execFileSync(process.execPath, [join(repo, 'scripts/pack-release.mjs'), '--out', release], {
      stdio: 'pipe',
    });
    env = {
      ...npmNetworkEnv(),
      PATH: [join(root, 'global/bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      HOME: process.env.HOME ?? root,
      ROKU_HOME: join(root, 'author-home'),
      ROKU_REGISTRY_TOKEN: 'release-test-token',
    };
    const t = tarballs();
    ok(
      sh('npm', ['install', '-g', '--prefix', join(root, 'global'), ...NPM_FLAGS, t['roku-cli'] ?? ''], {
        cwd: root,
      }),
      'npm install -g roku-cli',
    );
    // The authors' folder: one npm install of the SDK tarballs that every generated plugin below resolves.
    const authors = join(root, 'authors');
    mkdirSync(authors);
    writeFileSync(join(authors, 'package.json'), '{ "name": "authors", "private": true }\n');
    const sdk = [t['roku-plugin-api'] ?? '', t['roku-plugin-testing'] ?? ''];
    ok(sh('npm', ['install', '-D', ...NPM_FLAGS, ...sdk], { cwd: authors }), 'npm install the SDK');
    ok(sh('roku', ['plugin', 'keygen', '--out', join(root, 'keys')], { cwd: root }), 'keygen');

    registry = spawn('roku', ['registry', 'serve', '--dir', join(root, 'registry'), '--port', '0'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = registry;
    registryUrl = await new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match?.[1] !== undefined) done(match[1]);
      });
      child.once('exit', (code) => {
        fail(new Error(`roku registry serve exited with ${code}`));
      });
    });
    // A loopback MCP server (tools/call of one tool, upper) for the bridge kind, in its own process: the
    // commands below run synchronously and would block a server in this one.
    const server = spawn(process.execPath, ['--input-type=module', '-e', MCP_SERVER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    mcp = server;
    mcpUrl = await new Promise<string>((done) => {
      createInterface({ input: server.stdout }).once('line', done);
    });
  }, STEP_TIMEOUT * 2);

  afterAll(() => {
    registry?.kill('SIGTERM');
    mcp?.kill('SIGTERM');
  });

  describe('the release tarballs', () => {
    it('are publishable npm packages: no workspace links, a bin, engines and files', () => {
      for (const [name, file] of Object.entries(tarballs())) {
        const manifest = JSON.parse(
          execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }),
        ) as { dependencies?: Record<string, string>; engines?: { node?: string }; files?: string[] };
        expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toContain('workspace:');
        expect(manifest.engines?.node, name).toBe('>=24 <25');
        expect(manifest.files, name).toContain('dist');
      }
      const cli = JSON.parse(
        readFileSync(join(root, 'global/lib/node_modules/@roku/cli/package.json'), 'utf8'),
      ) as {
        bin: Record<string, string>;
      };
      expect(cli.bin).toEqual({ roku: './dist/bin.js' });
    });

    it('give a roku that works from a temp folder: doctor passes with the bundled slot defaults', () => {
      const home = tempDir('release-home');
      const doctor = sh('roku', ['doctor'], { cwd: root, home });
      expect(doctor.stdout + doctor.stderr).toContain('all checks passed');
      expect(doctor.stdout).toContain(
        'memory @roku/plugin-memory-session, context @roku/plugin-context-default',
      );
    });
  });

  type Kind = 'tool' | 'provider' | 'memory' | 'context' | 'subagent' | 'bridge';

  /** How a session uses each kind: extra config, the run's arguments and what shows that the plugin ran. */
  function sessionFor(
    kind: Kind,
    id: string,
  ): { config: Record<string, unknown>; args: string[]; expect: string } {
    const script = (toolCalls: unknown[]) => ({
      [SCRIPTED]: { script: [{ toolCalls }, { text: 'done' }] },
    });
    switch (kind) {
      case 'tool':
        return {
          config: { settings: script([{ name: 'greet', arguments: { name: 'Ada' } }]) },
          args: ['run', '--yes-always', 'greet Ada'],
          expect: 'Hello, Ada!',
        };
      case 'provider':
        return {
          config: {},
          args: ['run', '--model', 'echo/echo-1', 'hello echo'],
          expect: 'Echo: hello echo',
        };
      case 'memory':
        return {
          config: { memorySlot: id },
          args: ['run', 'hello memory'],
          expect: 'You said: hello memory',
        };
      case 'context':
        return {
          config: { contextEngine: id },
          args: ['run', 'hello context'],
          expect: 'You said: hello context',
        };
      case 'subagent':
        // The runtime asks the session's model too; its request (the task as user message) matches no step,
        // so the scripted model answers it with its rule, `You said: <task>`.
        return {
          config: {
            settings: {
              [SCRIPTED]: {
                script: [
                  {
                    match: '^delegate$',
                    toolCalls: [
                      {
                        name: 'Agent',
                        arguments: { task: 'Read the spec. Write the test', runtime: 'brief' },
                      },
                    ],
                  },
                  { match: '^delegate$', text: 'done' },
                ],
              },
            },
          },
          args: ['run', '--yes-always', 'delegate'],
          expect: '[brief sub-agent]\\nYou said: Read the spec. Write the test',
        };
      case 'bridge':
        return {
          config: {
            grants: { [id]: { network: [mcpUrl] } },
            settings: {
              [id]: { url: mcpUrl },
              ...script([
                { name: 'remote_call', arguments: { tool: 'upper', arguments: { text: 'hi bridge' } } },
              ]),
            },
          },
          args: ['run', '--yes-always', 'call the remote'],
          expect: 'HI BRIDGE',
        };
    }
  }

  describe.each<Kind>(['tool', 'provider', 'memory', 'context', 'subagent', 'bridge'])(
    'roku plugin init --kind %s, outside the workspace',
    (kind) => {
      it(
        'builds, passes its tests, packs, publishes, installs into a fresh home and works in roku run',
        () => {
          const cwd = join(root, 'authors');
          const name = `${kind}-plugin`;
          const id = `@local/${name}`;
          ok(sh('roku', ['plugin', 'init', name, '--kind', kind], { cwd }), 'init');
          const dir = join(cwd, name);
          const test = sh('npm', ['test'], { cwd: dir });
          expect(test.stdout + test.stderr).toMatch(/ℹ fail 0/);
          expect(test.code).toBe(0);
          ok(sh('roku', ['plugin', 'validate', '.'], { cwd: dir }), 'validate');
          expect(ok(sh('roku', ['plugin', 'pack', '.'], { cwd: dir }), 'pack')).toContain('sha512-');
          const key = join(root, 'keys/roku-signing.pem');
          ok(
            sh('roku', ['plugin', 'publish', '.', '--registry', registryUrl, '--key', key], { cwd: dir }),
            'publish',
          );

          const home = join(root, `home-${kind}`);
          mkdirSync(home);
          const use = sessionFor(kind, id);
          const config = {
            registries: [{ name: 'authors', url: registryUrl, scopes: ['@local'] }],
            plugins: use.config,
          };
          writeFileSync(join(home, 'config.json'), JSON.stringify(config));
          ok(
            sh('roku', ['registry', 'trust', join(root, 'keys/roku-signing.pub')], { cwd: root, home }),
            'trust',
          );
          ok(sh('roku', ['plugin', 'install', SCRIPTED, '--yes'], { cwd: root, home }), 'install scripted');
          ok(sh('roku', ['plugin', 'install', id, '--yes'], { cwd: root, home }), `install ${id}`);
          const run = sh('roku', use.args, { cwd: root, home });
          expect(run.stderr).not.toContain('ROKU_');
          expect(run.code).toBe(0);
          const session = ok(
            sh('roku', ['session', 'show', 'chat-default', '--json'], { cwd: root, home }),
            'show',
          );
          expect(session).toContain(use.expect);
          if (kind === 'memory') {
            ok(
              sh('roku', ['memory', 'write', 'the deploy key lives in vault'], { cwd: root, home }),
              'write',
            );
            const found = sh('roku', ['memory', 'search', 'deploy', 'key'], { cwd: root, home });
            expect(found.stdout).toContain('the deploy key lives in vault');
          }
          if (kind === 'memory' || kind === 'context') {
            const slot = kind === 'memory' ? `memory ${id}` : `context ${id}`;
            expect(sh('roku', ['doctor'], { cwd: root, home }).stdout).toContain(slot);
          }
        },
        STEP_TIMEOUT,
      );
    },
  );
});
