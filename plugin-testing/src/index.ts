export { createTestHost } from './test-host.js';
export type { TestHost, TestHostOptions, TestPlugin } from './test-host.js';
