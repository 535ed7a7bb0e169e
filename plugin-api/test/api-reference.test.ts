import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('the API reference (docs/reference/api)', () => {
  it('is what TypeDoc generates from the SDK’s TSDoc now (regenerate with pnpm docs:api)', () => {
    const out = mkdtempSync(join(tmpdir(), 'roku-api-ref-'));
    try {
      execFileSync(join(repo, 'node_modules/.bin/typedoc'), ['--out', out, '--logLevel', 'Warn'], {
        cwd: repo,
        stdio: 'pipe',
      });
      execFileSync(
        join(repo, 'node_modules/.bin/prettier'),
        ['--config', join(repo, '.prettierrc.json'), '--log-level', 'warn', '--write', out],
        {
          cwd: repo,
          stdio: 'pipe',
        },
      );
      const committed = readFileSync(join(repo, 'docs/reference/api/README.md'), 'utf8');
      const generated = readFileSync(join(out, 'README.md'), 'utf8');
      expect(generated, 'docs/reference/api is stale: run pnpm docs:api').toBe(committed);
      // the reference documents what authors call
      for (const name of ['definePlugin', 'defineTool', 'PluginContext', 'ProviderError', 'ChatRequest'])
        expect(committed).toContain(name);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
