import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_PREFIX, tempDir } from '../src/index.js';

describe('tempDir', () => {
  let madeInTest = '';
  let madeBeforeAll = '';

  beforeAll(() => {
    madeBeforeAll = tempDir('before-all');
  });
  afterAll(() => {
    // Folders made outside a test outlive the file's own afterAll hooks.
    expect(existsSync(madeBeforeAll)).toBe(true);
  });

  it('makes a fresh, named folder in the OS temp dir', () => {
    madeInTest = tempDir('named');
    writeFileSync(join(madeInTest, 'file.txt'), 'x');
    expect(basename(madeInTest)).toMatch(new RegExp(`^${TEMP_PREFIX}named-\\w{6}$`));
    expect(tempDir('named')).not.toBe(madeInTest);
  });

  it('removes a folder, contents and all, once the test that made it has finished', () => {
    expect(madeInTest).not.toBe('');
    expect(existsSync(madeInTest)).toBe(false);
  });

  it('keeps a folder made in beforeAll for every test of the file', () => {
    expect(existsSync(madeBeforeAll)).toBe(true);
  });
});
