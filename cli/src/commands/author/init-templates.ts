/** The runtimes `roku plugin init` scaffolds. */
export type InitRuntime = 'isolate' | 'wasm';

export interface InitNames {
  /** `@local/<folder name>`. */
  readonly id: string;
  readonly runtime: InitRuntime;
}

function manifest({ id, runtime }: InitNames): string {
  const value = {
    manifestVersion: 1,
    id,
    version: '0.1.0',
    description: 'A Roku tool plugin that greets someone.',
    license: 'Apache-2.0',
    engines: { roku: '^0.1.0' },
    runtime:
      runtime === 'wasm'
        ? { type: 'wasm', entry: 'dist/plugin.wasm' }
        : { type: 'isolate', entry: 'dist/plugin.js' },
    contributes: {
      tools: [
        {
          name: 'greet',
          description: 'Greets someone by name.',
          inputSchema: {
            type: 'object',
            properties: { name: { type: 'string', maxLength: 200 } },
            additionalProperties: false,
          },
          outputSchema: {
            type: 'object',
            properties: { greeting: { type: 'string' } },
            required: ['greeting'],
          },
          risk: ['read'],
        },
      ],
    },
    permissions: {},
    limits: { memoryMb: 16, cpuMsPerCall: 100 },
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

const ISOLATE_SOURCE = `import { definePlugin, defineTool } from '@roku/plugin-api';

export const greet = defineTool({
  name: 'greet',
  handler: (input: { name?: string }) => ({ greeting: \`Hello, \${input.name ?? 'world'}!\` }),
});

export default definePlugin({ tools: [greet] });
`;

const WASM_SOURCE = `import { Request, Result, jsonString, tool } from '@roku/plugin-api/assembly';

// The ABI exports live in the library; re-exporting them makes them exports of the wasm module.
export { call, describe } from '@roku/plugin-api/assembly';

function greet(req: Request): Result {
  const name = req.inputString('name', 'world');
  return Result.ok('{"greeting":' + jsonString('Hello, ' + name + '!') + '}');
}

tool('greet', greet);
`;

function packageJson({ id }: InitNames): string {
  const value = {
    name: id,
    version: '0.1.0',
    private: true,
    description: 'A Roku tool plugin that greets someone.',
    type: 'module',
    license: 'Apache-2.0',
    scripts: { build: 'roku plugin build .', validate: 'roku plugin validate .' },
    files: ['roku.plugin.json', 'dist', 'README.md'],
    devDependencies: { '@roku/plugin-api': '^0.1.0' },
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

function readme({ id, runtime }: InitNames): string {
  const source = runtime === 'wasm' ? 'assembly/index.ts' : 'src/index.ts';
  const entry = runtime === 'wasm' ? 'dist/plugin.wasm' : 'dist/plugin.js';
  return [
    `# ${id}`,
    '',
    'A Roku tool plugin with one `read` tool, `greet`.',
    '',
    '- `roku.plugin.json`: the manifest the host checks before any code runs.',
    `- \`${source}\`: the tool, written with \`@roku/plugin-api\`${runtime === 'wasm' ? ' (AssemblyScript)' : ''}.`,
    `- \`roku plugin build .\` writes \`${entry}\`; \`roku plugin call . greet '{"name":"Ada"}'\` runs it.`,
    '- `roku plugin pack .` and `roku plugin publish . --registry <dir-or-url> --key <private.pem>` ship it.',
    '',
  ].join('\n');
}

/** The files of a new plugin folder, by relative path. */
export function initFiles(names: InitNames): Record<string, string> {
  return {
    'roku.plugin.json': manifest(names),
    'package.json': packageJson(names),
    'README.md': readme(names),
    ...(names.runtime === 'wasm' ? { 'assembly/index.ts': WASM_SOURCE } : { 'src/index.ts': ISOLATE_SOURCE }),
  };
}
