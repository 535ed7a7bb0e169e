export { HOST_ERRORS } from './errors.js';
export type { HostErrorCode } from './errors.js';
export { loadConfig, resolveHome, resolveFromHome, CONFIG_FILE_NAME } from './config/load.js';
export type { LoadedConfig, LoadConfigOptions } from './config/load.js';
export { CONFIG_ENV_PREFIX, envSegment } from './config/env-overrides.js';
export { createLogging, createRootLogger, DEFAULT_REDACT_PATHS } from './logging/logger.js';
export type { Logger, Logging, RootLoggerOptions } from './logging/logger.js';
export { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from './logging/file-sink.js';
export { createStreamEscaper, escapeControls, escapeJsonLine } from './logging/sanitize.js';
export type { StreamEscaper } from './logging/sanitize.js';
export { runDoctor } from './doctor/doctor.js';
export { diskFull, diskFullFailure, ensureHome } from './doctor/home.js';
export { BOOTSTRAP_GOAL, runBootstrapRequest } from './doctor/smoke.js';
export type { BootstrapResult } from './doctor/smoke.js';
export type { DoctorCheck, DoctorOptions } from './doctor/doctor.js';
export { probeIsolateEngine, probeWasmEngine } from './sandbox/engine-probe.js';
export type { EngineProbe } from './sandbox/engine-probe.js';
export { createSandboxManager, MAX_ENTRY_BYTES } from './sandbox/sandbox-manager.js';
export type { SandboxManager, SandboxManagerOptions, RunnerStats } from './sandbox/sandbox-manager.js';
export { MAX_INPUT_BYTES } from './sandbox/loaded-sandbox.js';
export type { Sandbox, CallOptions, CapabilityHandler } from './sandbox/loaded-sandbox.js';
export { DEFAULT_CEILINGS, ceilingsFromConfig, effectiveLimits } from './sandbox/limits.js';
export type { SandboxCeilings } from './sandbox/limits.js';
export { createSandboxMetrics } from './sandbox/metrics.js';
export type { SandboxMetrics } from './sandbox/metrics.js';
export { QuarantineTracker } from './sandbox/quarantine.js';
export type { QuarantineEntry } from './sandbox/quarantine.js';
export { parseSandboxJson } from './sandbox/safe-json.js';
export type { PlainJson } from './sandbox/safe-json.js';
export type { EngineKind, RunnerLimits } from './sandbox/protocol.js';
export { createPluginHost } from './plugins/plugin-host.js';
export { callPlugin, answerProblem } from './plugins/call-plugin.js';
export type { PluginCallOptions } from './plugins/call-plugin.js';
export { observeSandboxCalls } from './plugins/call-observer.js';
export type { SandboxCallObserver, SandboxCallRecord } from './plugins/call-observer.js';
export type { PluginAnswer } from './plugins/answers.js';
export type { PluginHost, PluginHostOptions, LoadOptions } from './plugins/plugin-host.js';
export { readPluginManifest, pluginDirName } from './plugins/plugin-folder.js';
export {
  createCapabilityBroker,
  createKvStore,
  classifyAddress,
  describeNetworkGrants,
  sanitizePluginText,
  sanitizePluginValue,
} from './capabilities/index.js';
export type {
  CapabilityBroker,
  CapabilityBrokerOptions,
  CapabilityServices,
  BrokerServices,
  KvStore,
  LookupFunction,
  LlmService,
  MemoryService,
  NetworkGrantMeaning,
  PluginUserGrants,
  ToolsService,
  SubagentService,
  ServiceContext,
} from './capabilities/index.js';
export {
  createInstaller,
  createTrustStore,
  permissionDiff,
  localArchiveSource,
  signalPluginChange,
  watchPluginChanges,
  PLUGIN_CHANGES_FILE,
} from './install/index.js';
export type { PluginChangeSignal } from './install/index.js';
export type {
  Installer,
  TrustStore,
  PermissionDiff,
  ApplyOptions,
  ApplyStep,
  ArchiveSource,
  InstallAction,
  InstallChange,
  InstalledPlugin,
  InstalledState,
  InstallerOptions,
  InstallPlan,
  InstallRegistry,
  PlannedInstall,
  PlanOptions,
  VerifyProblem,
  VerifyReport,
} from './install/index.js';
export { createAgentRuntime } from './agent/runtime.js';
export { McpConnection, McpPins, mcpLimitSupport, pinsFile, readMcpStatus } from './mcp/index.js';
export type { McpProcessStatus, McpServerStatus, ToolPin } from './mcp/index.js';
export { callDigest } from './agent/approvals/policy.js';
export { canonicalJson } from './agent/catalog/index.js';
export { openAgentState } from './agent/state.js';
export { liftQuarantine, listQuarantines } from './agent/quarantine-admin.js';
export { clearLiveModelCache } from './agent/snapshot/live-models.js';
export { activePluginSkills } from './agent/snapshot/plugin-skills.js';
export type { PluginSkillsSource } from './agent/snapshot/plugin-skills.js';
export type { QuarantineView } from './agent/quarantine-admin.js';
export type { AgentStateView } from './agent/state.js';
export type { AgentRuntimeOptions } from './agent/options.js';
export type {
  AgentRuntime,
  ApprovalAnswer,
  ApprovalMode,
  ApprovalPrompt,
  PluginLimitsSummary,
  PluginSummary,
  ReloadResult,
  RunHandlers,
  RunInput,
  RunResult,
  SnapshotInfo,
} from './agent/runtime-types.js';
export type { LoopEvent, LoopEventType, RunStatus } from './events/loop-events.js';
export { approvalView } from './store/rows.js';
export { createToolHttpHandler, createToolServerFactory, serveToolsOverStdio } from './mcp-server/index.js';
export type {
  GatewayTool,
  McpCallEvent,
  StdioServing,
  ToolGateway,
  ToolHttpHandler,
  ToolServerFactory,
  ToolServerOptions,
} from './mcp-server/index.js';
export { LOOP_EVENT_TYPES } from './events/loop-events.js';
export type {
  ApprovalRow,
  ApprovalStatus,
  RunRow,
  SessionRow,
  StoredMessage,
  TraceInfo,
} from './store/types.js';
