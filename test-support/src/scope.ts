import { afterAll, onTestFinished } from 'vitest';

/** Cleanups of things made outside a test (in beforeAll or while collecting), run after the test file. */
const fileScoped = new Set<() => Promise<void>>();

// Registered when a test file first imports this module (vitest evaluates modules per test file), so it runs
// after the file's own afterAll hooks, which may still use what is cleaned up (hooks run in stack order).
afterAll(async () => {
  const cleanups = [...fileScoped].reverse();
  fileScoped.clear();
  for (const cleanup of cleanups) await cleanup();
});

/**
 * Runs `cleanup` when the current test finishes (after its afterEach hooks) or, when called outside a test
 * (in beforeAll, or at the top of a file), after the file's tests. Cleanups run newest first.
 */
export function cleanUpAfterUse(cleanup: () => Promise<void>): void {
  try {
    onTestFinished(cleanup);
  } catch {
    // Not inside a test: onTestFinished refuses, so the cleanup waits for the end of the file.
    fileScoped.add(cleanup);
  }
}
