import type { AgentRuntime } from './runtime-types.js';
import type { AgentRuntimeOptions } from './options.js';
import { decideAndResume } from './approvals/decide.js';
import { runGoal } from './runs.js';
import { closeRuntimeParts, openRuntimeParts, watchChanges } from './runtime-parts.js';
import { compactSession } from './slots/compact-session.js';
import { memoryAdmin } from './slots/memory.js';
import { stateQueries } from './state.js';
import { createToolGateway } from '../mcp-server/gateway.js';

export { DEFAULT_SESSION_ID } from './loop/run-state.js';

/**
 * Assembles the agent from the installed plugins: opens the store, builds the first plugin snapshot and
 * returns the runtime the CLI and the HTTP server drive. Each method hands over to the room that does it:
 * `runs.ts` and `loop/` (runs), `approvals/` (tickets), `snapshot/holder.ts` (leases, reloads, the swap),
 * `slots/` (memory and context engine), `watch.ts` (what triggers reloads).
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER, ROKU_CONFIG_INVALID
 */
export async function createAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  const parts = await openRuntimeParts(options);
  const { store, snapshots, logger } = parts;
  const queries = stateQueries(store);
  return {
    ...queries,
    snapshotInfo: () => snapshots.current().info,
    run: (input, handlers = {}) => runGoal(parts, input, handlers),
    decideApproval: (approvalId, decision, handlers = {}, runOptions = {}) =>
      decideAndResume(parts, approvalId, decision, handlers, runOptions),
    reload: (reason) => snapshots.reload(reason),
    compactSession: (sessionId) =>
      snapshots.use((snapshot) =>
        compactSession({ store, settings: snapshots.settings, logger }, snapshot, sessionId),
      ),
    memory: (op, input) =>
      snapshots.use((snapshot) =>
        memoryAdmin(
          {
            owner: snapshot.memory,
            configured: snapshots.config.plugins?.memorySlot ?? '',
            problems: snapshot.problems,
          },
          op,
          input,
        ),
      ),
    deleteSession: (id) => {
      const deleted = queries.deleteSession(id);
      parts.alwaysAllowed.delete(id);
      parts.contextMemos.forget(id);
      return deleted;
    },
    watch: (onReload) => watchChanges(parts, onReload),
    toolGateway: () => createToolGateway(snapshots),
    close: () => closeRuntimeParts(parts),
  };
}
