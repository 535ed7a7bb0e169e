import { defineMemorySlot, definePlugin } from '@roku/plugin-api';
import { forget, list, recall, write } from './ops.js';

export { MEMORY_SQLITE_ERRORS } from './errors.js';
export type { MemorySqliteErrorCode } from './errors.js';

/** The `sqlite` memory slot: long-term memory across sessions in the plugin's own SQLite database. */
export default definePlugin({
  memorySlot: defineMemorySlot({ name: 'sqlite', recall, write, forget, list }),
});
