import type { Logger } from 'pino';
import { SESSION_ID_PATTERN } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { AgentSnapshot } from './assembled.js';
import { AgentLoop } from './loop/agent-loop.js';
import { noProviderError } from './no-provider.js';
import { prefetchMemory } from './loop/prompt.js';
import type { MemoryPrefetch } from './loop/prompt.js';
import { DEFAULT_SESSION_ID, startRun } from './loop/run-state.js';
import type { Checkpoint } from './loop/types.js';
import type { RunHandlers, RunInput, RunResult } from './runtime-types.js';
import type { SnapshotHolder } from './snapshot/holder.js';
import type { ContextMemos } from './slots/context-memo.js';

/** What starting and resuming runs needs of the runtime. */
export interface RunDeps {
  readonly store: Store;
  readonly logger: Logger;
  /** Recorded as the owner of the runs this runtime drives. */
  readonly pid: number;
  readonly snapshots: SnapshotHolder;
  /** Session-wide "always allow" answers, per session id. */
  readonly alwaysAllowed: Map<string, Set<string>>;
  /** What the context engine kept, per session. */
  readonly contextMemos: ContextMemos;
  /** Where cache-break diagnostics go (`$ROKU_HOME/diagnostics`). */
  readonly diagnosticsDir?: string;
}

/**
 * Runs one goal on a leased snapshot, to completion, a pause or an error.
 * @throws ROKU_NO_PROVIDER, ROKU_CONFIG_INVALID (the provider is left out for its settings), ROKU_RUN_FAILED
 *   (empty goal), ROKU_SESSION_BUSY
 */
export function runGoal(deps: RunDeps, input: RunInput, handlers: RunHandlers): Promise<RunResult> {
  return deps.snapshots.use(async (snapshot) => {
    if (!snapshot.router.hasModels) throw noProviderError(snapshot);
    // The recall goes out first: the memory slot answers while the run's start is recorded (not for a session
    // id the store will refuse; a busy session still costs one recall).
    const sessionId = input.sessionId ?? DEFAULT_SESSION_ID;
    const memoryPrefetch = SESSION_ID_PATTERN.test(sessionId)
      ? prefetchMemory(snapshot.memory, deps.logger, sessionId, input.goal, input.signal)
      : undefined;
    const state = startRun(deps.store, deps.snapshots.settings, snapshot, input, deps.pid);
    return driveRun(deps, snapshot, state, handlers, input.signal, memoryPrefetch);
  });
}

/** Drives a started (or resumed) run; a succeeded exchange is written to the memory slot after. */
export async function driveRun(
  deps: RunDeps,
  snapshot: AgentSnapshot,
  state: Checkpoint,
  handlers: RunHandlers,
  signal: AbortSignal | undefined,
  memoryPrefetch?: MemoryPrefetch,
): Promise<RunResult> {
  const { store, logger, pid } = deps;
  const settings = deps.snapshots.settings;
  const sessionAllowed = deps.alwaysAllowed.get(state.sessionId) ?? new Set<string>();
  deps.alwaysAllowed.set(state.sessionId, sessionAllowed);
  const loop = new AgentLoop(
    {
      snapshot,
      store,
      settings,
      logger,
      pid,
      handlers,
      signal,
      alwaysAllowed: sessionAllowed,
      contextMemo: deps.contextMemos.for(state.sessionId),
      ...(deps.diagnosticsDir === undefined ? {} : { diagnosticsDir: deps.diagnosticsDir }),
      ...(memoryPrefetch === undefined ? {} : { memoryPrefetch }),
    },
    state,
  );
  loop.emit({ type: 'RunStarted', run_id: state.runId, session_id: state.sessionId, snapshot: snapshot.id });
  const result = await loop.run();
  if (result.status === 'succeeded' && settings.rememberExchanges) {
    await loop.remember(state.goal, result.message).catch((err: unknown) => {
      logger.warn({ err }, 'memory write failed');
    });
  }
  return result;
}
