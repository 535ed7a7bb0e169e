import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';

const DIST = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
const ECHO = fileURLToPath(new URL('../../../../examples/tool-echo', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a host process that dies', () => {
  it('takes its runner processes with it when it is killed with SIGKILL', async () => {
    const dir = tempDir('host-death');
    const script = join(dir, 'host.mjs');
    writeFileSync(
      script,
      `import { createPluginHost, createRootLogger } from ${JSON.stringify(DIST)};
const host = createPluginHost({ logger: createRootLogger({ level: 'silent' }), home: ${JSON.stringify(dir)}, workspace: ${JSON.stringify(dir)}, env: {} });
const echo = await host.loadFolder(${JSON.stringify(ECHO)});
await echo.call('tool:echo', { text: 'hi' });
process.stdout.write(JSON.stringify(host.sandboxes.runners().map((r) => r.pid)) + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', () => {
          reject(new Error(`host exited early: ${out}`));
        });
      });
      const pids = JSON.parse(line) as number[];
      expect(pids.length).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await expect.poll(() => pids.filter(alive), { timeout: 10_000 }).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
