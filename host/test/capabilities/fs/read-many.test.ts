import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createHarness, expectError, expectOk } from '../helpers.js';
import type { Harness, HarnessOptions } from '../helpers.js';

let current: Harness | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

function harness(options: HarnessOptions = {}): Harness {
  current = createHarness({
    permissions: { filesystem: [{ root: 'workspace', path: 'src', access: 'read' }] },
    limits: { outputBytes: 4 * 1024 * 1024 },
    ...options,
  });
  mkdirSync(join(current.roots.workspace, 'src', 'lib'), { recursive: true });
  return current;
}

type Entry = { name: string; data?: string; error?: { code: string; message: string } };

describe('fs.readMany', () => {
  it('reads the files of one folder in one request, each succeeding or failing on its own', async () => {
    const h = harness();
    const src = join(h.roots.workspace, 'src', 'lib');
    writeFileSync(join(src, 'a.ts'), 'alpha');
    writeFileSync(join(src, 'b.ts'), 'beta');
    const outside = tempDir('read-many-outside');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(src, 'link.ts'));
    const reply = expectOk(
      await h.request('fs.readMany', {
        root: 'workspace',
        path: 'src/lib',
        names: ['a.ts', 'link.ts', 'gone.ts', 'b.ts'],
      }),
    ) as { files: Entry[]; rest: string[] };
    expect(reply.rest).toEqual([]);
    expect(
      reply.files.map((f) => [
        f.name,
        f.data === undefined ? f.error?.code : Buffer.from(f.data, 'base64').toString(),
      ]),
    ).toEqual([
      ['a.ts', 'alpha'],
      ['link.ts', 'ROKU_CAPABILITY_DENIED'],
      ['gone.ts', 'ROKU_CAPABILITY_FAILED'],
      ['b.ts', 'beta'],
    ]);
    expect(reply.files[1]?.error?.message).toContain('symbolic link');
  });

  it('refuses folders outside the grant and names that are paths', async () => {
    const h = harness();
    writeFileSync(join(h.roots.workspace, 'top.txt'), 'x');
    expectError(
      await h.request('fs.readMany', { root: 'workspace', path: '', names: ['top.txt'] }),
      'ROKU_CAPABILITY_DENIED',
    );
    expectError(
      await h.request('fs.readMany', { root: 'workspace', path: 'src', names: ['../top.txt'] }),
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    expectError(
      await h.request('fs.readMany', { root: 'workspace', path: 'src', names: ['lib/x.ts'] }),
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
  });

  it('hands back the names that would overfill one reply, and says which file is too large', async () => {
    const h = harness();
    const src = join(h.roots.workspace, 'src');
    for (const name of ['1.txt', '2.txt', '3.txt'])
      writeFileSync(join(src, name), 'z'.repeat(3 * 1024 * 1024));
    writeFileSync(join(src, 'big.txt'), 'z'.repeat(5 * 1024 * 1024));
    const reply = expectOk(
      await h.request('fs.readMany', {
        root: 'workspace',
        path: 'src',
        names: ['1.txt', '2.txt', '3.txt', 'big.txt'],
      }),
    ) as { files: Entry[]; rest: string[] };
    expect(reply.rest.length).toBeGreaterThan(0);
    expect(reply.files.length + reply.rest.length).toBe(4);
    // Every name is started at once (fewer than the parallel reads), so the too-large one is always answered.
    expect(reply.files.find((f) => f.name === 'big.txt')?.error?.code).toBe('ROKU_CAPABILITY_LIMIT');
    const again = expectOk(
      await h.request('fs.readMany', { root: 'workspace', path: 'src', names: reply.rest }),
    ) as {
      files: Entry[];
    };
    expect(again.files.length).toBeGreaterThan(0);
  });
});
