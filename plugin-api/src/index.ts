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
export { EventPipe, providerErrorFromCapability, retryAfterMs, reusedClient } from './provider-helpers.js';
export type {
  PluginDefinition,
  ToolDefinition,
  ProviderDefinition,
  MemorySlotDefinition,
  ContextEngineDefinition,
  SubagentRuntimeDefinition,
} from './define.js';
export type { PluginContext, FsReadManyEntry, FsRoot, ProcessCommand } from './context.js';
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
  ProcessRunResult,
  CapabilityRequest,
  CapabilityResponse,
  PluginOps,
  PluginOpKind,
  PluginOpInput,
  PluginOpResult,
  PluginOp,
  PluginOpSpec,
} from './abi/abi.js';

/**
 * The error codes of the plugin being compiled, so `new RokuError(code, …)` accepts them and no misspelling.
 * A plugin merges its catalog in from its `src/errors.ts` (TypeScript merges only into the declaring module,
 * which is why this lives here and not in `@roku/schemas`):
 *
 * @example
 * export const MY_ERRORS = { ROKU_MYTOOL_BAD_INPUT: 'The input is not …' } as const satisfies ErrorCatalog;
 * declare module '@roku/plugin-api' {
 *   interface PluginErrorCodes extends CodesOf<typeof MY_ERRORS> {}
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface PluginErrorCodes {}
export { RokuError, isRokuError, dynamicErrorCode } from '@roku/schemas/errors';
export type {
  RokuErrorJson,
  ErrorCatalog,
  RokuErrorCodes,
  RokuErrorCode,
  CodesOf,
  DynamicErrorCode,
} from '@roku/schemas/errors';
