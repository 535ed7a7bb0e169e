export { PLUGIN_API_VERSION } from './version.js';
export { PLUGIN_API_ERRORS } from './errors.js';
export {
  definePlugin,
  defineTool,
  defineProvider,
  defineMemorySlot,
  defineContextEngine,
  defineSubagentRuntime,
  ProviderError,
  providerErrorCodeForStatus,
} from './define.js';
export type {
  PluginDefinition,
  ToolDefinition,
  ProviderDefinition,
  MemorySlotDefinition,
  ContextEngineDefinition,
  SubagentRuntimeDefinition,
} from './define.js';
export type { PluginContext, FsRoot } from './context.js';
// The neutral agent shapes (ChatRequest, ContextInput, MemoryRecord, …), listed once in types.ts.
export type * from './types.js';
export {
  ABI_VERSION,
  PROVIDER_ERROR_CODES,
  PLUGIN_OPS,
  PLUGIN_OP_KINDS,
  formatPluginOp,
  pluginOp,
  parsePluginOp,
  secretRef,
} from './abi/abi.js';
export { stableHash } from './hash.js';
export type {
  PluginDescription,
  CallRequest,
  CallResponse,
  CapabilityOp,
  CapabilityOps,
  CapabilityRequest,
  CapabilityResponse,
  PluginOps,
  PluginOpKind,
  PluginOpInput,
  PluginOpResult,
  PluginOp,
  PluginOpSpec,
} from './abi/abi.js';
export { RokuError, isRokuError } from '@roku/schemas/errors';
export type { RokuErrorJson } from '@roku/schemas/errors';
