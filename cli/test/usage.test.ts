import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');
const run = promisify(execFile);

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function roku(args: string[], home: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface CommandInfo {
  /** `['plugin', 'install']` */
  readonly words: string[];
  /** Whether it has subcommands. */
  readonly group: boolean;
  /** Whether its usage line has a required argument (`<…>`). */
  readonly requiresArgument: boolean;
}

/**
 * Every command of the tree, found the way a user would: from the `--help` pages of the groups, whose command
 * lists show each subcommand's usage (`install [options] <specs...>`). A bare name is a group to open.
 */
async function commandTree(home: string, words: string[] = []): Promise<CommandInfo[]> {
  const help = await roku([...words, '--help'], home);
  expect(help.code, `${words.join(' ')} --help`).toBe(0);
  const section = help.stdout.split(/^Commands:$/m)[1] ?? '';
  const terms = [...section.matchAll(/^ {2}([a-z][a-z-]*)((?: \S+)*)/gm)]
    .map((m) => ({ name: m[1] ?? '', rest: m[2] ?? '' }))
    .filter((t) => t.name !== 'help');
  const self: CommandInfo = { words, group: true, requiresArgument: false };
  const children = await Promise.all(
    terms.map(async ({ name, rest }) =>
      rest === ''
        ? commandTree(home, [...words, name])
        : [{ words: [...words, name], group: false, requiresArgument: /<[^>]+>/.test(rest) }],
    ),
  );
  return [self, ...children.flat()];
}

/** The documented usage error: exactly two lines on stderr, nothing on stdout, exit 2. */
function expectUsageError(result: Result, message: RegExp, path: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[0]).toMatch(/ \[ROKU_CLI_USAGE\]$/);
  expect(lines[1]).toBe(`see: ${path} --help`);
}

describe('usage errors', () => {
  it('print one line naming the command and a pointer to its help, for every command', async () => {
    const home = tempDir('usage');
    const tree = await commandTree(home);
    // The tree really is the CLI's: the agent, lifecycle and authoring commands are all found.
    const paths = tree.map((c) => c.words.join(' '));
    for (const expected of [
      'chat',
      'run',
      'session show',
      'approval show',
      'plugin install',
      'registry serve',
    ])
      expect(paths).toContain(expected);

    const checks = tree.flatMap((command) => {
      const path = ['roku', ...command.words].join(' ');
      const out: (() => Promise<void>)[] = [
        () =>
          roku([...command.words, '--frobnicate'], home).then((r) => {
            expectUsageError(
              r,
              new RegExp(
                // A command with a mandatory option (plugin publish) names that one first.
                `^roku: (unknown option '--frobnicate'|required option '[^']+' not specified) for '${path}'`,
              ),
              path,
            );
          }),
      ];
      // `roku` alone is the self-check, not a usage error.
      if (command.group && command.words.length > 0) {
        out.push(() =>
          roku(command.words, home).then((r) => {
            expectUsageError(r, new RegExp(`^roku: missing command for '${path}' \\(one of: `), path);
          }),
        );
      } else if (command.requiresArgument) {
        out.push(() =>
          roku(command.words, home).then((r) => {
            expectUsageError(r, new RegExp(`^roku: missing required argument '[a-z-]+' for '${path}'`), path);
          }),
        );
      }
      return out;
    });
    // Two at a time: the machine has two cores.
    for (let i = 0; i < checks.length; i += 2) await Promise.all(checks.slice(i, i + 2).map((c) => c()));
    expect(checks.length).toBeGreaterThan(40);
  }, 240_000);

  it('name an unknown command, suggest a near option, and reject surplus arguments the same way', async () => {
    const home = tempDir('usage');
    expectUsageError(await roku(['frob'], home), /^roku: unknown command 'frob' for 'roku'/, 'roku');
    expectUsageError(
      await roku(['run', '--jsn', 'hello'], home),
      /^roku: unknown option '--jsn' for 'roku run' \(did you mean --json\?\)/,
      'roku run',
    );
    expectUsageError(
      await roku(['session', 'list', 'extra'], home),
      /^roku: too many arguments for 'roku session list'/,
      'roku session list',
    );
    expectUsageError(
      await roku(['run', '--model'], home),
      /^roku: option '--model <ref>' argument missing for 'roku run'/,
      'roku run',
    );
  }, 60_000);

  it('keep the same form for usage errors a command finds itself', async () => {
    const home = tempDir('usage');
    expectUsageError(await roku(['run', '  '], home), /^roku: run: the goal is empty/, 'roku run');
  }, 30_000);

  it('still print help on request, on stdout, with exit 0', async () => {
    const home = tempDir('usage');
    const r = await roku(['session', '--help'], home);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: roku session');
  }, 30_000);
});
