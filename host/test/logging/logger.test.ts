import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createRootLogger } from '../../src/index.js';

describe('root logger', () => {
  it('redacts credentials, prompts and tool payloads and keeps ids', async () => {
    const file = join(tempDir('log'), 'roku.log');
    const root = createRootLogger({ level: 'info', file });
    const log = root.child({ sessionId: 's-1', pluginId: '@acme/weather' });
    log.info(
      {
        headers: { authorization: 'Bearer sk-live' },
        prompt: 'my diary',
        toolInput: { path: '/x' },
        runId: 'r-9',
      },
      'model request',
    );
    await new Promise<void>((resolve) => {
      root.flush(() => {
        resolve();
      });
    });
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      msg: 'model request',
      sessionId: 's-1',
      pluginId: '@acme/weather',
      runId: 'r-9',
      prompt: '[redacted]',
      toolInput: '[redacted]',
      headers: { authorization: '[redacted]' },
    });
    expect(JSON.stringify(line)).not.toContain('sk-live');
  });
});
