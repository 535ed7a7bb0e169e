import { defineProject } from 'vitest/config';

/** The vitest project every package uses: sources of workspace packages are read through `@roku/source`. */
export function rokuProject(name: string, options: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: ['@roku/source'] },
    ssr: { resolve: { conditions: ['@roku/source'], externalConditions: ['@roku/source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: options.testTimeout ?? 20_000,
    },
  });
}
