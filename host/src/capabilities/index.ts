export { createCapabilityBroker, MAX_EMIT_BYTES, MAX_KV_LIST_KEYS } from './broker.js';
export { createCapabilityLedgers } from './ledgers.js';
export { sanitizePluginText, sanitizePluginValue } from './sanitize.js';
export type { CapabilityLedgers } from './ledgers.js';
export { openSqlDatabase, SQL_IDLE_MS } from './sql/sql-database.js';
export { createSqlDatabases } from './sql/sql-databases.js';
export type { SqlDatabases } from './sql/sql-databases.js';
export type { SqlDatabase, SqlDatabaseOptions } from './sql/sql-database.js';
export type { SqlAccess } from './sql/sql-capability.js';
export { createKvStore, MAX_KV_KEY_BYTES, MAX_KV_VALUE_BYTES } from './kv/kv-store.js';
export { classifyAddress } from './net/address.js';
export { describeNetworkGrants } from './net/grant-description.js';
export type { NetworkGrantMeaning } from './net/grant-description.js';
export type { AddressClass, AddressVerdict, EmbeddedV4 } from './net/address.js';
export { MAX_REDIRECTS, HEADERS_TIMEOUT_MS } from './net/fetch.js';
export { MAX_CHUNK_BYTES, READ_IDLE_TIMEOUT_MS } from './net/streams.js';
export { MAX_FS_READ_BYTES, MAX_LIST_ENTRIES } from './fs/fs-ops.js';
export { pluginSkillsFolder } from './fs/fs-paths.js';
export { detectConfinement, wrapCommand } from './process/confinement.js';
export type { Confinement, ConfinementKind } from './process/confinement.js';
export {
  DEFAULT_PROCESS_OUTPUT_BYTES,
  DEFAULT_PROCESS_TIMEOUT_MS,
  MAX_PROCESS_OUTPUT_BYTES,
  MAX_PROCESS_TIMEOUT_MS,
  MAX_PROCESSES_IN_FLIGHT,
} from './process/process-ops.js';
export { LOG_BURST, LOG_RATE_PER_SECOND, MAX_LOG_DATA_BYTES, MAX_LOG_MESSAGE_BYTES } from './plugin-log.js';
export type {
  CallScope,
  CapabilityBroker,
  CapabilityBrokerOptions,
  CapabilityRoots,
  BrokerServices,
  CapabilityServices,
  HostLookup,
  KvStore,
  LookupFunction,
  LlmService,
  MemoryService,
  PluginUserGrants,
  ResolvedAddress,
  ServiceContext,
  SubagentService,
  ToolsService,
} from './types.js';
