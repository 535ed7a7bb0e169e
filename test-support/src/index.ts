export { TEMP_PREFIX, tempDir } from './temp.js';
export { rawPluginSource } from './raw-plugin.js';
export { cleanUpAfterUse } from './scope.js';
export { startLoopbackServer } from './loopback.js';
export type { LoopbackHandler, LoopbackServer, RecordedRequest } from './loopback.js';
export { WEATHER_TOOL_CALL, startMockOpenAi } from './mock-openai.js';
export type {
  MockOpenAi,
  MockOpenAiOptions,
  OpenAiDelta,
  OpenAiRequest,
  OpenAiRequestBody,
  OpenAiTurn,
} from './mock-openai.js';
export {
  SCRIPTED_PLUGIN_ID,
  expectScriptUsed,
  readScriptedKv,
  scriptedSettings,
  unusedScriptSteps,
} from './scripted.js';
export type { ScriptStep } from './scripted.js';
export {
  anthropicFrames,
  chatCompletionsFrames,
  responsesFrames,
  sseFrame,
  startWireServer,
} from './wire/index.js';
export type { WireReply, WireRequest, WireServer, WireTurn } from './wire/index.js';
