import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestHost } from '../src/index.js';

const echo = fileURLToPath(new URL('./fixtures/echo/', import.meta.url));

describe('createTestHost', () => {
  it('runs a plugin in the real sandbox and records what it emits', async () => {
    const host = await createTestHost();
    try {
      const plugin = await host.load(echo);
      expect(plugin.manifest.id).toBe('@roku-test/echo');
      expect(await plugin.callTool('echo', { text: 'héllo ✓' })).toEqual({ text: 'héllo ✓' });
      expect(plugin.events).toEqual([{ echoed: 'héllo ✓' }]);
      await expect(plugin.callTool('echo', { text: 42 })).rejects.toMatchObject({
        code: 'ROKU_CAPABILITY_BAD_REQUEST',
      });
    } finally {
      await host.close();
    }
  });

  it('removes its temporary home and the workspace it created when closed', async () => {
    const host = await createTestHost();
    await host.load(echo);
    expect([existsSync(host.home), existsSync(host.workspace)]).toEqual([true, true]);
    await host.close();
    expect([existsSync(host.home), existsSync(host.workspace)]).toEqual([false, false]);
  });

  it('leaves a workspace passed in by the caller in place', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'roku-kit-caller-'));
    try {
      const host = await createTestHost({ workspace });
      expect(host.workspace).toBe(workspace);
      await host.close();
      expect([existsSync(host.home), existsSync(workspace)]).toEqual([false, true]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
