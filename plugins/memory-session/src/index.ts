import { defineMemorySlot, definePlugin } from '@roku/plugin-api';
import { forget, list, recall, write } from './ops.js';

export { MEMORY_SESSION_ERRORS } from './errors.js';
export type { MemorySessionErrorCode } from './errors.js';

/** The `session` memory slot: what is written in a session is recalled in that session only. */
export default definePlugin({
  memorySlot: defineMemorySlot({ name: 'session', recall, write, forget, list }),
});
