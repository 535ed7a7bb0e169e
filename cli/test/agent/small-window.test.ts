import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

// scripted/scripted-small has a 16 000-token window; scripted/scripted-1 200 000. A goal of 24 000 characters
// is about 6 000 tokens, and its echoed answer as many again.
const LONG = (word: string): string => `${word} ${'lorem ipsum '.repeat(2000)}`;

interface TraceLine {
  type: string;
  data?: { type: string };
}

describe('a session that outgrows a small model window', () => {
  it('compacts before the model is chosen, so the next turns on the user’s small model still run', async () => {
    const cli = await inProcessCli();
    for (const word of ['first', 'second', 'third']) {
      const r = await cli.run([
        'run',
        '--session-id',
        'small',
        '--model',
        'scripted/scripted-small',
        LONG(word),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('scripted/scripted-small');
    }
    const session = await cli.session('small');
    expect(session?.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Newest first: the turns after the first outgrew the window and were compacted before choosing.
    const types: string[] = [];
    for (const run of session?.runs.slice(0, 2) ?? []) {
      const trace = await cli.run(['trace', run.id, '--json']);
      for (const line of trace.stdout.split('\n').filter((l) => l.trim() !== '')) {
        const parsed = JSON.parse(line) as TraceLine;
        if (parsed.type === 'event' && parsed.data !== undefined) types.push(parsed.data.type);
      }
    }
    expect(types).toContain('CompactTriggered');
    expect(types).toContain('CompactComplete');
  });

  it('sends a request the configured default model cannot take to a model that can (spec check 46)', async () => {
    const cli = await inProcessCli({ config: { agent: { defaultModel: 'scripted/scripted-small' } } });
    const small = await cli.run(['run', 'hello']);
    expect(small.stderr).toContain('scripted/scripted-small');
    const big = await cli.run(['run', 'lorem ipsum '.repeat(6000)]);
    expect(big.code, big.stderr).toBe(0);
    expect(big.stderr).toContain('scripted/scripted-1');
  });

  it('still refuses, naming the model, when even the compacted request does not fit the user’s model', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', '--model', 'scripted/scripted-small', 'lorem ipsum '.repeat(8000)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[ROKU_NO_ELIGIBLE_MODEL]');
    expect(r.stderr).toContain('scripted/scripted-small');
  });
});
