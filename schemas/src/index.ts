export { RokuError, isRokuError, dynamicErrorCode } from './roku-error.js';
export type {
  RokuErrorJson,
  ErrorCatalog,
  RokuErrorCodes,
  RokuErrorCode,
  CodesOf,
  DynamicErrorCode,
} from './roku-error.js';
export { SCHEMAS_ERRORS } from './errors.js';
export type { SchemasErrorCode } from './errors.js';
export { formatIssues, joinPointer, deepFreeze } from './validation.js';
export type { ValidationIssue, ValidationResult } from './validation.js';
export { nearestName } from './nearest.js';
export {
  nestsDeeperThan,
  parseStrictJson,
  strictJsonIssue,
  strictJsonParse,
  STRICT_JSON_MAX_DEPTH,
  STRICT_JSON_MAX_NUMBER_LENGTH,
} from './strict-json.js';
export type { StrictJsonOptions } from './strict-json.js';
export {
  createManifestValidator,
  MANIFEST_FILE_NAME,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_DEPTH,
} from './manifest.js';
export type { ManifestValidator } from './manifest.js';
export { networkPatternProblem, relativePathProblem } from './manifest-rules.js';
export {
  forbiddenHostProblem,
  forbiddenWildcardProblem,
  METADATA_HOST_NAMES,
  normaliseHostName,
} from './network-rules.js';
export {
  checkPluginSchema,
  compilePluginSchema,
  createPluginSchemaAjv,
  MAX_PLUGIN_SCHEMA_BYTES,
  pluginSchemaValidator,
} from './plugin-schema.js';
export type { PluginSchemaAjv } from './plugin-schema.js';
export { createHostConfigValidator } from './host-config.js';
export { createDocumentCheck } from './document-validator.js';
export type { DocumentCheck } from './document-validator.js';
export type { HostConfigValidator, ResolvedHostConfig } from './host-config.js';
export type {
  PluginManifest,
  Provider as ProviderContribution,
  Model as ModelDescriptor,
  Tool as ToolContribution,
  Slot as SlotContribution,
  Bridge as BridgeContribution,
  FsGrant,
} from './generated/plugin-manifest.js';
export type { HostConfig } from './generated/host-config.js';
export {
  ABI_VERSION,
  PROVIDER_ERROR_CODES,
  PLUGIN_OPS,
  PLUGIN_OP_KINDS,
  formatPluginOp,
  pluginOp,
  parsePluginOp,
  secretRef,
} from './abi.js';
export type {
  PluginDescription,
  CallRequest,
  CallResponse,
  CapabilityOps,
  CapabilityOp,
  ProcessRunResult,
  CapabilityRequest,
  CapabilityResponse,
  PluginOps,
  PluginOpKind,
  PluginOpInput,
  PluginOpResult,
  PluginOp,
  PluginOpSpec,
  PluginOpNameArgs,
  ParsedPluginOp,
  ChatRole,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatCall,
  ChatAnswer,
  LiveModel,
  ModelCapability,
  ChatStreamEvent,
  FinishReason,
  TokenUsage,
  ToolCall,
  ToolSpec,
  ProviderErrorCode,
  MemoryRecord,
  SqlResult,
  SqlValue,
  MemoryScope,
  SubagentTask,
  ContextHint,
  ContextInput,
  ContextReport,
  ContextResult,
} from './abi.js';
