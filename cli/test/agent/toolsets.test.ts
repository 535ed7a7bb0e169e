/**
 * The coding toolsets through the real `roku` binary, as a user runs them: toolset-fs and toolset-shell installed
 * from the embedded registry, the scripted provider calling their tools by its rules (`<tool> <json args>`),
 * and every refusal coming back to the model as an error result while the session goes on. Needs `pnpm build`.
 */
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { freshHome, repo } from './helpers.js';
import type { CliResult, Home } from './helpers.js';

const TIMEOUT = 120_000;
const PLUGINS = [
  '@roku/plugin-provider-scripted',
  '@roku/plugin-toolset-fs',
  '@roku/plugin-toolset-shell',
  '@roku/plugin-toolset-web',
];
let h: Home;
let outside: string;

/** `roku run --yes-always <tool> <args>` in a session of its own; the rules answer `<tool> returned: …`. */
function call(tool: string, args: unknown, session: string, approve = true): CliResult {
  return h.roku([
    'run',
    '--session-id',
    session,
    ...(approve ? ['--yes-always'] : []),
    `${tool} ${JSON.stringify(args)}`,
  ]);
}

beforeAll(() => {
  return (async () => {
    h = await freshHome(false);
    const install = h.roku(['plugin', 'install', ...PLUGINS, '--yes', '--json']);
    if (install.code !== 0) throw new Error(install.stderr);
    mkdirSync(join(h.workspace, 'src'));
    writeFileSync(join(h.workspace, 'src/math.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
    writeFileSync(
      join(h.workspace, 'src/main.js'),
      'import { add } from "./math.js";\nconsole.log(add(2, 3));\n',
    );
    cpSync(join(repo, 'host/src'), join(h.workspace, 'tree'), { recursive: true });
    outside = tempDir('toolsets-outside');
    writeFileSync(join(outside, 'secret.txt'), 'do not touch');
    symlinkSync(outside, join(h.workspace, 'escape'));
  })();
}, TIMEOUT);

describe('toolset-fs through the agent', () => {
  it(
    'edits a project file and shows the user the diff',
    () => {
      const r = call(
        'edit_file',
        { path: 'src/math.js', oldString: 'return a - b;', newString: 'return a + b;' },
        'edit',
      );
      expect(r.code).toBe(0);
      expect(readFileSync(join(h.workspace, 'src/math.js'), 'utf8')).toContain('return a + b;');
      expect(r.stderr).toContain('  -  return a - b;\n  +  return a + b;');
      expect(r.stdout).toContain('"replacements":1');
    },
    TIMEOUT,
  );

  it(
    'gives the model a clear error for a missing or ambiguous edit, and writes nothing',
    () => {
      writeFileSync(join(h.workspace, 'dup.js'), 'x = 1;\nx = 1;\n');
      const missing = call(
        'edit_file',
        { path: 'dup.js', oldString: 'y = 1;', newString: 'y = 2;' },
        'edit-bad',
      );
      expect(missing.code).toBe(0);
      expect(missing.stdout).toContain('oldString does not occur in the file');
      const ambiguous = call(
        'edit_file',
        { path: 'dup.js', oldString: 'x = 1;', newString: 'x = 2;' },
        'edit-bad',
      );
      expect(ambiguous.stdout).toContain('oldString occurs 2 times (lines 1, 2)');
      expect(readFileSync(join(h.workspace, 'dup.js'), 'utf8')).toBe('x = 1;\nx = 1;\n');
    },
    TIMEOUT,
  );

  it(
    'greps a real source tree, and a catastrophic pattern returns instead of hanging',
    () => {
      const r = call('grep', { pattern: 'export function createCapabilityBroker', path: 'tree' }, 'grep');
      expect(r.stdout).toContain('"path":"tree/capabilities/broker.ts"');
      writeFileSync(join(h.workspace, 'evil.txt'), `${'a'.repeat(30_000)}!\n`);
      const evil = call('grep', { pattern: '^(a+)+$', path: 'evil.txt' }, 'grep');
      expect(evil.code).toBe(0);
      expect(evil.stdout).toContain('"matches":[]');
      const backref = call('grep', { pattern: '(a)\\1' }, 'grep');
      expect(backref.stdout).toContain('backreferences and lookaround are not supported');
    },
    TIMEOUT,
  );

  it(
    'refuses paths outside the workspace, symbolic links out, binary and huge files',
    () => {
      const parent = call('read_file', { path: '../secret.txt' }, 'paths');
      expect(parent.stdout).toContain('ROKU_PLUGIN_FAILED');
      expect(parent.stdout).toContain("has a '..' segment");
      const link = call(
        'edit_file',
        { path: 'escape/secret.txt', oldString: 'do', newString: 'did' },
        'paths',
      );
      expect(link.stdout).toContain('a symbolic link is on the way');
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('do not touch');
      writeFileSync(join(h.workspace, 'blob.bin'), Buffer.from([1, 2, 0, 3]));
      expect(call('read_file', { path: 'blob.bin' }, 'paths').stdout).toContain('is a binary file');
      writeFileSync(join(h.workspace, 'huge.log'), 'x'.repeat(5 * 1024 * 1024));
      expect(call('read_file', { path: 'huge.log' }, 'paths').stdout).toContain('larger than 4194304 bytes');
    },
    TIMEOUT,
  );
});

describe('toolset-shell through the agent', () => {
  it(
    'asks before running a command, and runs it once approved',
    () => {
      const paused = call('run_command', { command: 'node src/main.js' }, 'shell-ask', false);
      expect(paused.code).toBe(3);
      const ticket = /roku approval approve (\S+)/.exec(paused.stderr)?.[1] ?? '';
      const approved = h.roku(['approval', 'approve', ticket]);
      expect(approved.code).toBe(0);
      expect(approved.stdout).toContain('"stdout":"5\\n"');
    },
    TIMEOUT,
  );

  it(
    'refuses the deny list and shell combinators with a clear result, and the session goes on',
    () => {
      const denied = call('run_command', { command: 'rm -rf /' }, 'shell-deny');
      expect(denied.code).toBe(0);
      expect(denied.stdout).toContain("on the host's deny list");
      const piped = call('run_command', { command: 'cat src/main.js | wc -l' }, 'shell-deny');
      expect(piped.stdout).toContain("uses '|', which needs a shell");
      const next = call('run_command', { command: 'cat src/main.js' }, 'shell-deny');
      expect(next.stdout).toContain('console.log(add(2, 3))');
    },
    TIMEOUT,
  );

  it(
    'stops a command that never ends and one that floods its output',
    () => {
      const endless = call('run_command', { command: 'tail -f src/main.js', timeoutMs: 500 }, 'shell-stop');
      expect(endless.stdout).toContain('"stopped":"timeout"');
      writeFileSync(join(h.workspace, 'flood.txt'), 'y\n'.repeat(200_000));
      expect(call('run_command', { command: 'cat flood.txt' }, 'shell-flood').code).toBe(0);
      // The rules echo only 2000 characters of a result; the session holds the whole tool message.
      const shown = h.roku(['session', 'show', 'shell-flood', '--json']);
      const detail = JSON.parse(shown.stdout) as {
        messages: { message: { role: string; content: unknown } }[];
      };
      const result = detail.messages.find((m) => m.message.role === 'tool')?.message.content;
      // What happened leads the result, and the host cut it at the tool's maxOutputChars (30000).
      expect(String(result)).toMatch(
        /^\{"command":"cat flood.txt","mode":"exec","exitCode":null,"signal":"SIGKILL","stopped":"output","truncated":true,/,
      );
      expect(String(result)).toMatch(/\n\[truncated: 30000 of \d+ characters shown\]$/);
    },
    TIMEOUT,
  );
});

describe('toolset-web through the agent', () => {
  const pages = createServer((req, res) => {
    if (req.url === '/away') {
      // A public page may not send the tool into the user's network: this hop goes to an origin not granted.
      res.writeHead(302, { location: 'http://127.0.0.2:9/admin' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<html><head><title>Release notes</title><script>SCRIPT</script></head><body><nav>Menu</nav><article><h1>Release notes</h1>${'<p>Version two adds a faster search and fixes the login bug that some users saw. </p>'.repeat(5)}</article></body></html>`,
    );
  });
  let origin = '';
  beforeAll(async () => {
    pages.listen(0, '127.0.0.1');
    await once(pages, 'listening');
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    // The user's own config is the only place a loopback origin can be granted.
    writeFileSync(
      join(h.home, 'config.json'),
      JSON.stringify({ plugins: { grants: { '@roku/plugin-toolset-web': { network: [origin] } } } }),
    );
  });
  afterAll(() => pages.close());

  /** Like call(), but the binary runs beside this process's event loop, which serves the pages. */
  async function callAsync(args: unknown): Promise<{ code: number | null; stdout: string }> {
    const child = h.spawn([
      'run',
      '--session-id',
      'web',
      '--yes-always',
      `fetch_url ${JSON.stringify(args)}`,
    ]);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout };
  }

  it(
    'returns the readable text of a page, and refuses a redirect to an origin not granted',
    async () => {
      const page = await callAsync({ url: `${origin}/notes` });
      expect(page.code).toBe(0);
      expect(page.stdout).toContain('"extraction":"readability"');
      expect(page.stdout).toContain('Version two adds a faster search');
      expect(page.stdout).not.toContain('SCRIPT');
      const away = await callAsync({ url: `${origin}/away` });
      expect(away.stdout).toContain('ROKU_PLUGIN_FAILED');
      expect(away.stdout).toContain(`(redirected from ${origin})`);
    },
    TIMEOUT,
  );
});
