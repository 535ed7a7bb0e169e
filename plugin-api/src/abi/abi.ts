// The plugin ABI lives in @roku/schemas (the host depends on it without depending on the SDK); the SDK
// re-exports it for plugin authors. See schemas/src/abi.ts.
export {
  ABI_VERSION,
  PROVIDER_ERROR_CODES,
  PLUGIN_OPS,
  PLUGIN_OP_KINDS,
  formatPluginOp,
  pluginOp,
  parsePluginOp,
  secretRef,
} from '@roku/schemas/abi';
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
} from '@roku/schemas/abi';
