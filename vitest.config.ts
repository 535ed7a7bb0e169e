import { defineConfig } from 'vitest/config';

// One vitest run over every package; each package keeps its own project config.
export default defineConfig({
  test: {
    projects: [
      'schemas',
      'plugin-api',
      'plugin-testing',
      'host',
      'registry',
      'server',
      'cli',
      'test-support',
      'plugins/*/vitest.config.ts',
      'examples/*/vitest.config.ts',
    ],
  },
});
