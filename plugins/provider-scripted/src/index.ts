import { definePlugin, defineProvider } from '@roku/plugin-api';
import { chat } from './chat.js';

export { SCRIPTED_ERRORS } from './errors.js';
export type { ScriptedErrorCode } from './errors.js';
export type { ScriptStep, ScriptedToolCall } from './settings.js';

/** The `scripted` provider: deterministic answers for demos and tests, not a real model. */
export default definePlugin({ providers: [defineProvider({ name: 'scripted', chat })] });
