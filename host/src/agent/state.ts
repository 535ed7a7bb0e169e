import { join } from 'node:path';
import { RokuError } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import { createStore, isProcessAlive } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { AgentRuntime } from './runtime-types.js';
import { agentSettings } from './settings.js';

/** What reads and deletes the agent's state without loading any plugin (sessions, tickets, traces). */
export type AgentStateView = Pick<
  AgentRuntime,
  'store' | 'sessions' | 'session' | 'deleteSession' | 'approvals' | 'trace'
>;

/** The state database and traces of a ROKU_HOME. */
export function openAgentStore(home: string, config: ResolvedHostConfig): Store {
  const settings = agentSettings(config);
  return createStore({
    file: join(home, 'state', 'roku.db'),
    traceDir: join(home, 'traces'),
    traceMaxBytes: settings.traceMaxBytes,
    traceRetentionDays: settings.traceRetentionDays,
  });
}

/** Session, ticket and trace queries over a store; the runtime and {@link openAgentState} share them. */
export function stateQueries(store: Store): AgentStateView {
  return {
    store,
    sessions: () => store.listSessions(),
    session(id) {
      const session = store.getSession(id);
      if (session === undefined) {
        throw new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${id} (see roku session list)`);
      }
      return { session, messages: store.listMessages(id), runs: store.listRuns({ sessionId: id }) };
    },
    deleteSession(id) {
      if (store.getSession(id) === undefined) {
        throw new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${id} (see roku session list)`);
      }
      return store.deleteSession(id, isProcessAlive);
    },
    approvals: (filter) => store.listApprovals(filter ?? { status: 'pending' }),
    trace(runId) {
      const run = store.getRun(runId);
      if (run === undefined) throw new RokuError('ROKU_RUN_NOT_FOUND', `no run ${runId}`);
      return { run, events: store.listEvents(runId), trace: store.traceInfo(runId) };
    },
  };
}

/**
 * Opens the agent's state for commands that only read or delete it (`roku session`, `roku approval list`,
 * `roku trace`): no plugin is loaded, so they answer in milliseconds. Runs whose process died are marked
 * interrupted first, as the runtime would.
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER
 */
export function openAgentState(options: {
  readonly home: string;
  readonly config: ResolvedHostConfig;
}): AgentStateView & { close(): void } {
  const store = openAgentStore(options.home, options.config);
  try {
    store.recoverStaleRuns(isProcessAlive);
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    ...stateQueries(store),
    close: () => {
      store.close();
    },
  };
}
