/**
 * When the runner and the host keep polling their channel after a send (channel-poll.ts): only after a kind of
 * send has been answered quickly PATTERN times in a row, only until something arrives or the window ends, and
 * within a budget of polls that saw nothing.
 */
import { describe, expect, it } from 'vitest';
import { ChannelPoll, PATTERN, POLL_MS, QUICK_MS, WASTE_BUDGET_MS } from '../../src/sandbox/channel-poll.js';

/** A poll on a hand-driven clock whose scheduled ticks run when the test says. */
function manual(): { poll: ChannelPoll; clock: { now: number }; run: () => number } {
  const clock = { now: 0 };
  let queue: (() => void)[] = [];
  const poll = new ChannelPoll(
    () => clock.now,
    (tick) => queue.push(tick),
  );
  /** Runs the ticks queued so far; returns how many ran. */
  const run = (): number => {
    const ticks = queue;
    queue = [];
    for (const tick of ticks) tick();
    return ticks.length;
  };
  return { poll, clock, run };
}

/** Sends of `kind`, each answered `after` ms later. */
function exchange(m: ReturnType<typeof manual>, kind: string, times: number, after: number): void {
  for (let i = 0; i < times; i++) {
    m.poll.sent(kind);
    m.clock.now += after;
    m.poll.arrived();
    while (m.run() > 0);
    m.clock.now += 1;
  }
}

describe('ChannelPoll', () => {
  it('polls after a kind of send only once it was answered quickly PATTERN times in a row', () => {
    const m = manual();
    exchange(m, 'result', PATTERN - 1, QUICK_MS / 2);
    m.poll.sent('result');
    expect(m.poll.polling).toBe(false);
    m.poll.arrived();
    m.poll.sent('result');
    expect(m.poll.polling).toBe(true);
    // another kind has its own record
    m.poll.arrived();
    while (m.run() > 0);
    m.poll.sent('cap');
    expect(m.poll.polling).toBe(false);
  });

  it('stops at the first arrival, or when the window ends', () => {
    const m = manual();
    exchange(m, 'result', PATTERN, QUICK_MS / 2);
    m.poll.sent('result');
    expect(m.run()).toBe(1);
    expect(m.poll.polling).toBe(true);
    m.poll.arrived();
    m.run();
    expect(m.poll.polling).toBe(false);

    m.poll.sent('result');
    m.clock.now += POLL_MS / 2;
    m.run();
    expect(m.poll.polling).toBe(true);
    m.clock.now += POLL_MS;
    m.run();
    expect(m.poll.polling).toBe(false);
  });

  it('forgets the pattern after a slow answer (an agent turn between calls)', () => {
    const m = manual();
    exchange(m, 'result', PATTERN, QUICK_MS / 2);
    exchange(m, 'result', 1, 5);
    m.poll.sent('result');
    expect(m.poll.polling).toBe(false);
  });

  it('polls for nothing at most WASTE_BUDGET_MS per second', () => {
    const m = manual();
    exchange(m, 'result', PATTERN, QUICK_MS / 2);
    let polls = 0;
    // every poll runs out with nothing arrived; the pattern is kept by quick answers that follow the window
    for (let i = 0; i < 2 * (WASTE_BUDGET_MS / POLL_MS); i++) {
      m.poll.sent('result');
      if (m.poll.polling) polls += 1;
      m.clock.now += POLL_MS;
      while (m.run() > 0);
      m.poll.arrived();
    }
    expect(polls).toBe(WASTE_BUDGET_MS / POLL_MS);
    m.clock.now += 1000;
    m.poll.sent('result');
    expect(m.poll.polling).toBe(true);
  });
});
