/**
 * The build's snapshot of the evaluated prelude is what every plugin isolate starts from. V8 trusts snapshot
 * bytes blindly (a foreign or damaged one crashes the runner instead of failing), so the runner takes it only
 * when it was made from this very prelude by this V8 and isolated-vm, and otherwise runs the prelude in every
 * realm as before.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ivm from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { Prelude } from '../../../src/sandbox/runner/isolate-setup.js';

const dist = new URL('../../../dist/sandbox/', import.meta.url);

function copyBuild(): { dir: string; prelude: URL; snapshot: URL } {
  const dir = tempDir('prelude-snapshot');
  for (const f of ['prelude.js', 'prelude.snapshot', 'prelude.snapshot.json'])
    copyFileSync(new URL(f, dist), join(dir, f));
  return {
    dir,
    prelude: pathToFileURL(join(dir, 'prelude.js')),
    snapshot: pathToFileURL(join(dir, 'prelude.snapshot')),
  };
}

describe('the prelude snapshot', () => {
  it('starts every context of an isolate with the prelude evaluated, each in a pristine copy', async () => {
    const { prelude, snapshot } = copyBuild();
    const blob = await new Prelude(prelude, snapshot).snapshot();
    expect(blob).toBeDefined();
    const isolate = new ivm.Isolate({ memoryLimit: 32, ...(blob === undefined ? {} : { snapshot: blob }) });
    try {
      const first = await isolate.createContext();
      expect(await first.eval('typeof __roku_boot + typeof fetch + typeof Headers')).toBe(
        'functionfunctionfunction',
      );
      await first.eval(
        `Headers.prototype.get = () => 'forged'; globalThis.left = 1; delete globalThis.__roku_boot`,
      );
      const second = await isolate.createContext();
      expect(await second.eval(`typeof __roku_boot + typeof left + new Headers({ a: 'b' }).get('a')`)).toBe(
        'functionundefinedb',
      );
    } finally {
      isolate.dispose();
    }
  });

  it('is not used when it was made by another V8 or from another prelude, or its bytes changed', async () => {
    const other = copyBuild();
    const meta = JSON.parse(readFileSync(join(other.dir, 'prelude.snapshot.json'), 'utf8')) as object;
    writeFileSync(join(other.dir, 'prelude.snapshot.json'), JSON.stringify({ ...meta, v8: '1.0.0' }));
    await expect(new Prelude(other.prelude, other.snapshot).snapshot()).resolves.toBeUndefined();

    const edited = copyBuild();
    writeFileSync(
      join(edited.dir, 'prelude.js'),
      `${readFileSync(join(edited.dir, 'prelude.js'), 'utf8')};1`,
    );
    await expect(new Prelude(edited.prelude, edited.snapshot).snapshot()).resolves.toBeUndefined();

    const damaged = copyBuild();
    const bytes = readFileSync(join(damaged.dir, 'prelude.snapshot'));
    const middle = bytes.length >> 1;
    bytes.writeUInt8((bytes.readUInt8(middle) ^ 0xff) & 0xff, middle);
    writeFileSync(join(damaged.dir, 'prelude.snapshot'), bytes);
    await expect(new Prelude(damaged.prelude, damaged.snapshot).snapshot()).resolves.toBeUndefined();

    // and the prelude still works the old way: compiled and run in each context
    const isolate = new ivm.Isolate({ memoryLimit: 32 });
    try {
      const script = await new Prelude(damaged.prelude, damaged.snapshot).compile(isolate);
      const context = await isolate.createContext();
      await script.run(context);
      expect(await context.eval('typeof __roku_boot')).toBe('function');
    } finally {
      isolate.dispose();
    }
  });
});
