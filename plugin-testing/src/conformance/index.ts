export {
  runConformance,
  formatConformanceReport,
  conformanceKinds,
  CONFORMANCE_PROFILE_FILE,
} from './run.js';
export type { ConformanceOptions, ConformanceProfile, ConformanceReport } from './run.js';
export { ConformanceFailure, CONFORMANCE_KINDS } from './check.js';
export type { CheckResult, ConformanceKind } from './check.js';
export type { ToolProfile } from './tool-suite.js';
export type { ProviderProfile } from './provider-suite.js';
export type { UpstreamWire } from './upstream.js';
export { UPSTREAM_WIRES } from './upstream.js';
