export { createStore, DEFAULT_BUSY_TIMEOUT_MS } from './store.js';
export { isProcessAlive } from './context.js';
export { DEFAULT_TRACE_MAX_BYTES, DEFAULT_TRACE_RETENTION_DAYS, MAX_EVENTS_PER_RUN } from './events.js';
export { RUN_ID_PATTERN, SESSION_ID_PATTERN } from './rows.js';
export { SCHEMA_VERSION } from './schema.js';
export type {
  ApprovalRow,
  ApprovalStatus,
  NewApproval,
  RunRow,
  SessionRow,
  Store,
  StoredMessage,
  StoreOptions,
  TraceInfo,
} from './types.js';
