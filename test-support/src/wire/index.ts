export { startWireServer, sseFrame } from './server.js';
export type { WireReply, WireRequest, WireServer } from './server.js';
export type { WireTurn } from './turn.js';
export { chatCompletionsFrames } from './openai-chat.js';
export { responsesFrames } from './openai-responses.js';
export { anthropicFrames } from './anthropic.js';
