export { createTestHost } from './test-host.js';
export type { TestHost, TestHostOptions, TestPlugin } from './test-host.js';
export { PLUGIN_TESTING_ERRORS } from './errors.js';
