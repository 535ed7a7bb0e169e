import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import { tempDir } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;
let shellPlugin: TestPlugin;

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
  mkdirSync(join(host.workspace, 'src'), { recursive: true });
  writeFileSync(join(host.workspace, 'src/a.txt'), 'alpha\nbeta\n');
});
afterAll(() => host.close());

const failed = (pluginCode: string, text: string) => ({
  code: 'ROKU_PLUGIN_FAILED',
  details: { pluginCode },
  message: expect.stringContaining(text) as unknown,
});

describe('run_command', () => {
  it('runs a plain command directly, in a workspace folder, with quotes honoured', async () => {
    const result = (await plugin.callTool('run_command', {
      command: "grep -n 'beta' a.txt",
      cwd: 'src',
    })) as {
      mode: string;
      exitCode: number;
      stdout: string;
    };
    expect(result).toMatchObject({ mode: 'exec', exitCode: 0, stdout: '2:beta\n' });
    const failing = (await plugin.callTool('run_command', { command: 'cat "no such.txt"' })) as {
      exitCode: number;
      stderr: string;
    };
    expect(failing.exitCode).toBe(1);
    expect(failing.stderr).toContain('no such.txt');
  });

  it('explains that pipes and other shell syntax need a grant, and does not run them', async () => {
    await expect(
      plugin.callTool('run_command', { command: 'cat src/a.txt | tee copy.txt' }),
    ).rejects.toMatchObject(failed('ROKU_SHELL_NOT_GRANTED', "uses '|', which needs a shell"));
    await expect(plugin.callTool('run_command', { command: 'echo $HOME' })).rejects.toMatchObject(
      failed('ROKU_SHELL_NOT_GRANTED', "'$'"),
    );
  });

  it('refuses programs off the allowlist and commands on a deny list', async () => {
    await expect(
      plugin.callTool('run_command', { command: 'curl https://example.com' }),
    ).rejects.toMatchObject(failed('ROKU_CAPABILITY_DENIED', 'program "curl" is not allowed'));
    await expect(plugin.callTool('run_command', { command: 'rm -rf /' })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_DENIED', "host's deny list"),
    );
    await expect(
      plugin.callTool('run_command', { command: 'git push -f origin main' }),
    ).rejects.toMatchObject(failed('ROKU_CAPABILITY_DENIED', 'which is denied'));
  });

  it('refuses a folder outside the workspace or behind a link out', async () => {
    symlinkSync(tempDir('shell-outside'), join(host.workspace, 'escape'));
    await expect(plugin.callTool('run_command', { command: 'ls', cwd: 'escape' })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_DENIED', 'leads out of the workspace'),
    );
  });

  it('kills a command that never ends and one that floods its output, saying so', async () => {
    const slow = (await plugin.callTool('run_command', { command: 'tail -f src/a.txt', timeoutMs: 300 })) as {
      stopped: string;
      note: string;
      stdout: string;
    };
    expect(slow).toMatchObject({ stopped: 'timeout', stdout: 'alpha\nbeta\n' });
    expect(slow.note).toContain('killed');
    writeFileSync(join(host.workspace, 'big.txt'), 'y\n'.repeat(100_000));
    const flood = (await plugin.callTool('run_command', { command: 'cat big.txt' })) as {
      stopped: string;
      truncated: boolean;
      stdout: string;
    };
    expect(flood).toMatchObject({ stopped: 'output', truncated: true });
    expect(flood.stdout).toHaveLength(65_536);
  });

  it('runs shell command lines where the user granted them', async () => {
    shellPlugin = await host.load(dir, { grants: { process: { shell: true } } });
    const result = (await shellPlugin.callTool('run_command', {
      command: 'cat src/a.txt | sort -r > out.txt',
    })) as {
      mode: string;
      exitCode: number;
    };
    expect(result).toMatchObject({ mode: 'shell', exitCode: 0 });
    expect(readFileSync(join(host.workspace, 'out.txt'), 'utf8')).toBe('beta\nalpha\n');
  });
});
