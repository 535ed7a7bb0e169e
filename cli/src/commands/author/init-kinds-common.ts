// The parts every `roku plugin init --kind` template shares: its shape and the head of its test.

export interface KindTemplate {
  /** One line for package.json and the manifest. */
  readonly description: string;
  readonly contributes: Record<string, unknown>;
  readonly permissions: Record<string, unknown>;
  readonly limits: Record<string, number>;
  readonly configSchema?: Record<string, unknown>;
  /** `src/index.ts`. */
  readonly source: string;
  /** `test/plugin.test.ts`: runs the built plugin in the real sandbox. */
  readonly test: string;
  /** README paragraph: what the host calls and how to try it in a session. */
  readonly readme: string;
}

export const TEST_HEAD = `import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import { formatConformanceReport, runConformance } from '@roku/plugin-testing/conformance';

// The built plugin folder (run \`npm run build\` first; \`npm test\` does).
const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;
`;

// Every kind's conformance suite (what \`roku plugin test\` runs): the plugin behaves as the host expects.
export const CONFORMANCE = `
test('passes the conformance suite of its kind', async () => {
  const report = await runConformance(dir);
  assert.ok(report.ok, formatConformanceReport(report));
});
`;

export const LOAD = `
before(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
after(() => host.close());
`;
