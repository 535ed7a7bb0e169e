/**
 * The context engine's layers through `roku run` with the real runtime: the LLM summariser at high water, its
 * breaker after three failures, the session-summary splice it feeds, and a first instruction that survives
 * sessions driven far past a small window.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { writeEchoProvider } from './echo-provider.js';
import { DEV_PLUGINS, inProcessCli } from './helpers.js';
import type { InProcessCli } from './helpers.js';

const CONTEXT = '@roku/plugin-context-default';
const SUMMARIZE = '^Summarize the conversation below';
const TIMEOUT = 120_000;

/** About 5 000 tokens: three turns of these outgrow scripted-small's 16 000-token window. */
const big = (n: number): string => `turn ${n}: ${'lorem ipsum dolor '.repeat(1100)}`;

interface Event {
  type: string;
  [key: string]: unknown;
}

/** The events of every run of a session, oldest run first. */
async function sessionEvents(cli: InProcessCli, sessionId: string): Promise<Event[][]> {
  const session = await cli.session(sessionId);
  const runs = [...(session?.runs ?? [])].reverse();
  const out: Event[][] = [];
  for (const run of runs) {
    const trace = await cli.run(['trace', run.id, '--json']);
    out.push(
      trace.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { type: string; data?: Event })
        .filter((l) => l.type === 'event' && l.data !== undefined)
        .map((l) => l.data as Event),
    );
  }
  return out;
}

const ofType = (events: Event[][], type: string): Event[] => events.flat().filter((e) => e.type === type);

describe('compaction with the LLM summariser', () => {
  it(
    'falls back to the mechanical summary when the summariser fails, and stops asking it after three failures',
    async () => {
      const cli = await inProcessCli({
        script: [
          { match: SUMMARIZE, error: { code: 'PROVIDER_INVALID_REQUEST', message: 'summariser down' } },
        ],
        settings: { [CONTEXT]: { llmSummary: true } },
      });
      for (let n = 1; n <= 6; n++) {
        const r = await cli.run([
          'run',
          '--session-id',
          'long',
          '--model',
          'scripted/scripted-small',
          big(n),
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
      const events = await sessionEvents(cli, 'long');
      expect(
        events.map((run) => run.some((e) => e.type === 'RunFinished' && e.status === 'succeeded')),
      ).toEqual([true, true, true, true, true, true]);
      const calls = ofType(events, 'AutoCompactSummarizerCalled');
      expect(calls).toHaveLength(3);
      for (const call of calls) {
        expect(call.succeeded).toBe(false);
        expect(String(call.failure)).toContain('summariser down');
      }
      expect(ofType(events, 'AutoCompactCircuitBreakerTripped')).toEqual([
        expect.objectContaining({ consecutive_failures: 3 }),
      ]);
      // The three failed turns still compacted, mechanically; later turns never asked the summariser.
      const completes = ofType(events, 'CompactComplete');
      expect(completes.length).toBeGreaterThanOrEqual(3);
      expect(completes.every((e) => e.llm_succeeded === false)).toBe(true);
      expect(
        events
          .slice(4)
          .flat()
          .some((e) => e.type === 'AutoCompactSummarizerCalled'),
      ).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'puts the model’s structured summary in place of old turns, keeps it as the session summary and splices it in later',
    async () => {
      const summary = [
        '## Task',
        'Keep the release notes in French.',
        '## Progress',
        'Three long turns read.',
        '## Key facts',
        'Nothing else.',
        '## Next steps',
        'Continue.',
      ].join('\n');
      const cli = await inProcessCli({
        script: [{ match: SUMMARIZE, text: summary }],
        // no file tools: their definitions would take window from the messages these sizes are measured for
        devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.echo],
        settings: { [CONTEXT]: { llmSummary: true } },
        plugins: { memorySlot: '' },
      });
      for (let n = 1; n <= 3; n++) {
        const r = await cli.run(['run', '--session-id', 'sum', '--model', 'scripted/scripted-small', big(n)]);
        expect(r.code, r.stderr).toBe(0);
      }
      let events = await sessionEvents(cli, 'sum');
      expect(ofType(events, 'AutoCompactSummarizerCalled')[0]).toMatchObject({ succeeded: true });
      expect(ofType(events, 'CompactComplete')).toContainEqual(
        expect.objectContaining({ llm_succeeded: true }),
      );
      // /compact rewrites the stored session with the same summariser.
      const compact = await cli.run(['chat', '--session-id', 'sum'], {
        tty: true,
        stdin: '/compact\n/quit\n',
      });
      expect(compact.code, compact.stderr).toBe(0);
      expect(compact.stderr).toContain('compacted:');
      const stored = await cli.session('sum');
      const [head] = stored?.messages ?? [];
      expect(head?.message.content).toContain('[Conversation summary]');
      expect(head?.message.content).toContain('Keep the release notes in French.');
      // A shorter turn now lands between the watermarks: the kept summary replaces the oldest half (L2).
      const mid = await cli.run([
        'run',
        '--session-id',
        'sum',
        '--model',
        'scripted/scripted-small',
        'short one '.repeat(200),
      ]);
      expect(mid.code, mid.stderr).toBe(0);
      events = await sessionEvents(cli, 'sum');
      expect(
        events
          .slice(-1)
          .flat()
          .some((e) => e.type === 'MidCompactLayer2Ran'),
      ).toBe(true);
    },
    TIMEOUT,
  );
});

describe('a session driven far past a small window', () => {
  it(
    'keeps its first instruction in what the model sees, turn after turn',
    async () => {
      const echo = writeEchoProvider(tempDir('echo'), 8000);
      const cli = await inProcessCli({ devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs, echo] });
      const first = `FIRST INSTRUCTION: answer in French. ${'context '.repeat(1200)}`;
      const turns = [first, ...Array.from({ length: 5 }, (_, i) => `more ${i} ${'filler '.repeat(1400)}`)];
      for (const goal of turns) {
        const r = await cli.run(['run', '--session-id', 'window', '--model', 'echo/echo-1', goal]);
        expect(r.code, r.stderr).toBe(0);
      }
      const last = await cli.run([
        'run',
        '--session-id',
        'window',
        '--model',
        'echo/echo-1',
        'what did I ask first?',
      ]);
      expect(last.code, last.stderr).toBe(0);
      expect(last.stdout).toContain('[Conversation summary]');
      expect(last.stdout).toContain('FIRST INSTRUCTION: answer in French.');
      const events = await sessionEvents(cli, 'window');
      expect(ofType(events, 'MidCompactLayer1Ran').length).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
