import { RokuError, dynamicErrorCode, isRokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import type { CallScope, LoadedSandbox } from './loaded-sandbox.js';
import type { ResultMessage } from './protocol.js';
import type { ActiveCall, RunnerPool } from './runner-pool.js';

/**
 * Time the runner has past a call's deadline to report the timeout itself (its error is more precise) before
 * the host fails the call on its own. A call never outlives its deadline by more than this plus one sweep.
 */
export const DEADLINE_GRACE_MS = 250;
/** Sends of one call: a call that never ran (its runner went away first) is sent again, within its deadline. */
const MAX_SENDS = 3;
/** A call refused for its plugin's CPU per minute waits for the window only if this much time is left after. */
const MIN_RUN_AFTER_WAIT_MS = 1000;

/** A call between admission and its answer; revocation fails it at once. */
export interface Flight {
  fail(error: RokuError): void;
}

type Phase = 'queued' | 'loading' | 'running';

function asRokuError(err: unknown): RokuError {
  if (err instanceof RokuError) return err;
  if (isRokuError(err)) {
    return new RokuError(
      dynamicErrorCode(err.code),
      err.message,
      err.details === undefined ? {} : { details: err.details },
    );
  }
  return new RokuError('ROKU_SANDBOX_CRASHED', String(err));
}

function deadlineError(sandbox: LoadedSandbox, phase: Phase): RokuError {
  const limitMs = sandbox.limits.wallMsPerCall;
  const where =
    phase === 'queued'
      ? `waited for one of its ${sandbox.concurrency} concurrency slots`
      : phase === 'loading'
        ? 'waited for the plugin to load'
        : 'ran';
  return new RokuError(
    'ROKU_SANDBOX_TIMEOUT',
    `the call ${where} past its wall-clock limit of ${limitMs} ms`,
    { details: { limit: 'wall', limitMs, phase } },
  );
}

/**
 * Whether a failed send may be repeated: the call never reached a live runner, or the runner died of
 * something not known to be this call (several plugins in flight, or killed for not answering another call)
 * while this call had not yet asked the host for anything, so it changed nothing outside its sandbox. A sole
 * suspect is not run again.
 */
function mayResend(error: unknown, active: ActiveCall, sends: number): boolean {
  if (!isRokuError(error) || error.code !== 'ROKU_SANDBOX_CRASHED') return false;
  if (error.details?.sent === false) return sends < MAX_SENDS;
  return sends === 1 && error.details?.bystander === true && active.capabilityRequests === 0;
}

/** A runner's answer that the plugin never ran the call (disposed or not loaded there): load and send again. */
function notRun(result: ResultMessage): boolean {
  return (
    !result.ok && result.error?.code === 'ROKU_SANDBOX_UNLOADED' && result.error.details?.notRun === true
  );
}

/**
 * How long to wait before sending again a call the runner refused, unrun, because the plugin used up its CPU
 * per minute (`limits.cpuMsPerMinute`) or its heap is too full of the calls it runs to take another; undefined
 * for any other answer. Both pass on their own: waiting turns a burst of sessions into latency instead of
 * failed calls, and the plugin gets no more CPU or memory for it.
 */
function refusalWait(result: ResultMessage): number | undefined {
  const error = result.ok ? undefined : result.error;
  if (error === undefined) return undefined;
  const details = error.details;
  const cpu = error.code === 'ROKU_CAPABILITY_RATE_LIMITED' && details?.limit === 'cpuMsPerMinute';
  const memory = error.code === 'ROKU_SANDBOX_BUSY' && details?.limit === 'memory';
  if (!cpu && !memory) return undefined;
  const wait = details.retryAfterMs;
  return typeof wait === 'number' && Number.isFinite(wait) && wait > 0 ? wait : undefined;
}

/**
 * Runs one call through its plugin's queue, load and runner, and guarantees it settles by its deadline
 * (`deadlineAt` + DEADLINE_GRACE_MS, a `performance.now()` time) whatever the runner does: the host's one
 * watchdog sweep fails it with ROKU_SANDBOX_TIMEOUT in whichever phase it is, and a runner that does not
 * answer the cancel is killed. The plugin's concurrency slot is given back only when its runner is done.
 */
export function dispatchCall(
  pool: RunnerPool,
  log: Logger,
  sandbox: LoadedSandbox,
  request: string,
  scope: CallScope,
): Promise<ResultMessage> {
  const deadlineAt = performance.now() + sandbox.limits.wallMsPerCall;
  return new Promise<ResultMessage>((resolve, reject) => {
    // one object, not two lets: the closures below change it while the async steps run
    const state: { phase: Phase; settled: boolean } = { phase: 'queued', settled: false };
    /** Stops what the call is doing now: leaves the queue, or asks the runner to cancel. */
    let abort: ((error: RokuError) => void) | undefined;
    const flight: Flight = {
      fail(error) {
        if (state.settled) return;
        state.settled = true;
        unwatch();
        sandbox.flights.delete(flight);
        abort?.(error);
        reject(error);
      },
    };
    const succeed = (result: ResultMessage): void => {
      if (state.settled) return;
      state.settled = true;
      unwatch();
      sandbox.flights.delete(flight);
      resolve(result);
    };
    const unwatch = pool.sweep.add(deadlineAt + DEADLINE_GRACE_MS, () => {
      flight.fail(deadlineError(sandbox, state.phase));
    });
    sandbox.flights.add(flight);

    /** Runs the call in its slot, and gives the slot back when its runner is done. */
    const run = async (): Promise<void> => {
      try {
        if (state.settled) return;
        state.phase = 'loading';
        abort = undefined;
        succeed(await send());
      } catch (err) {
        flight.fail(asRokuError(err));
      } finally {
        sandbox.queue.release();
      }
    };
    // a free slot is taken at once, without a promise turn: a loaded plugin's call is on the wire before
    // dispatchCall returns
    if (sandbox.queue.tryAcquire()) {
      void run();
    } else {
      const slot = sandbox.queue.acquire();
      abort = slot.cancel;
      slot.ready.then(run, (err: unknown) => {
        flight.fail(asRokuError(err));
      });
    }

    /** Read through a function: the narrowing of `state.settled` does not survive the awaits below. */
    function gaveUp(): boolean {
      return state.settled;
    }

    async function send(): Promise<ResultMessage> {
      let claimed = false;
      for (let sends = 1; ; sends++) {
        const runner =
          pool.loadedRunner(sandbox, scope.session) ?? (await pool.ensureLoaded(sandbox, scope.session));
        if (gaveUp()) throw new RokuError('ROKU_SANDBOX_UNLOADED', 'the call ended before it was sent');
        if (!claimed) {
          claimed = true;
          scope.beforeSend?.();
        }
        const id = pool.allocateCallId();
        const active: ActiveCall = { scope, handler: sandbox.handler, capabilityRequests: 0 };
        pool.scopes.set(id, active);
        state.phase = 'running';
        abort = () => {
          runner.abandon(id);
        };
        try {
          const result = withSendFailure(
            await runner.call(id, sandbox.pluginKey, request, scope.session),
            active,
          );
          const wait = refusalWait(result);
          if (wait !== undefined) {
            // only when the call still has time for it after the wait; else the refusal is the answer
            if (performance.now() + wait + MIN_RUN_AFTER_WAIT_MS >= deadlineAt || gaveUp()) return result;
            state.phase = 'queued';
            await new Promise((resolve) => setTimeout(resolve, wait).unref());
            // a refusal is no send: the call never ran
            sends -= 1;
            continue;
          }
          if (!notRun(result) || sends >= MAX_SENDS || gaveUp()) return result;
          sandbox.loadedIn.delete(runner);
        } catch (err) {
          if (gaveUp() || !mayResend(err, active, sends)) throw err;
          log.warn({ pluginKey: sandbox.pluginKey, err }, 'sending the call again on a new runner');
        } finally {
          pool.scopes.delete(id);
          abort = undefined;
          state.phase = 'loading';
        }
      }
    }
  });
}

/**
 * A call whose one-way request failed (an emit the host refused: none taken for this call, or too large) fails
 * with that error: what it streamed is not what it answered.
 */
function withSendFailure(result: ResultMessage, active: ActiveCall): ResultMessage {
  const failure = active.sendFailure;
  if (failure === undefined || !result.ok) return result;
  return {
    t: 'result',
    id: result.id,
    ok: false,
    error: { code: failure.code, message: failure.message },
    ...(result.cpuMs === undefined ? {} : { cpuMs: result.cpuMs }),
  };
}
