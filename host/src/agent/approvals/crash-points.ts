/** Points in an approved call's life where the crash tests kill the process (ROKU_TEST_CRASH_AT). */
export type CrashPoint = 'approval-decided' | 'approval-claimed' | 'approval-ran';

/**
 * Kills this process (SIGKILL, like a power cut) when `ROKU_TEST_CRASH_AT` names `point`: the crash tests and
 * `pnpm chaos approvals` use it to stop a real `roku` process at an exact step. Unset, it does nothing.
 */
export function crashPoint(point: CrashPoint): void {
  if (process.env.ROKU_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
