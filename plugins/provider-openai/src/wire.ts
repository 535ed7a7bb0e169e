/** What the OpenAI-compatible provider reuses of this plugin: the Chat Completions stream and the error mapping. */
export { streamChatCompletion } from './chat-completions.js';
export type { ChatCompletionsOptions } from './chat-completions.js';
export { providerError } from './errors.js';
export { listModels } from './models.js';
export type { ListModelsOptions } from './models.js';
