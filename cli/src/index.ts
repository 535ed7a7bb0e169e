export { main } from './main.js';
export { processIo, EXIT } from './io.js';
export type { CliIo } from './io.js';
export { CLI_ERRORS } from './errors.js';
