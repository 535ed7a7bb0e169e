import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunResult } from '@roku/host';

/**
 * Where `roku chat` mirrors a session's turns as JSON lines: `$ROKU_SESSION_HISTORY_DIR/<id>.jsonl`, else
 * `$ROKU_HOME/state/sessions/chat/<id>.jsonl` (the original's layout, which its users' scripts read).
 */
export function transcriptFile(home: string, env: NodeJS.ProcessEnv, sessionId: string): string {
  const dir = env.ROKU_SESSION_HISTORY_DIR;
  return join(
    dir !== undefined && dir !== '' ? dir : join(home, 'state', 'sessions', 'chat'),
    `${sessionId}.jsonl`,
  );
}

/**
 * Appends the user's goal and the run's answer to the session's transcript. The session itself lives in the
 * state database, which is what the next run reads; this file is a readable mirror, so writing it is best
 * effort: a read-only folder must not fail a chat that succeeded. One append per turn keeps the two lines together
 * when two processes chat in the same session.
 */
export function appendTranscript(file: string, goal: string, result: RunResult): void {
  const ts = new Date().toISOString();
  const lines = [
    { role: 'user', content: goal, ts, session_id: result.sessionId, run_id: result.runId },
    {
      role: 'assistant',
      content: result.message,
      ts,
      session_id: result.sessionId,
      run_id: result.runId,
      status: result.status,
      ...(result.approvalId === undefined ? {} : { approval_id: result.approvalId }),
    },
  ];
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
  } catch {
    // Best effort; see above.
  }
}
