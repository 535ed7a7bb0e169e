import { PLUGIN_API_VERSION } from '@roku/plugin-api';
import type { InitKind } from './init-kinds.js';
import { KIND_TEMPLATES } from './init-kinds.js';

/** The runtimes `roku plugin init` scaffolds. */
export type InitRuntime = 'isolate' | 'wasm';

export interface InitNames {
  /** `@local/<folder name>`. */
  readonly id: string;
  readonly runtime: InitRuntime;
  /** What the plugin contributes (default: a tool). */
  readonly kind?: InitKind;
}

/** The SDK range a new plugin depends on, and the `engines.roku` it asks for. */
const SDK_RANGE = `^${PLUGIN_API_VERSION}`;

function manifest({ id, runtime, kind = 'tool' }: InitNames): string {
  const t = KIND_TEMPLATES[kind];
  const value = {
    manifestVersion: 1,
    id,
    version: '0.1.0',
    description: t.description,
    license: 'Apache-2.0',
    engines: { roku: SDK_RANGE },
    runtime:
      runtime === 'wasm'
        ? { type: 'wasm', entry: 'dist/plugin.wasm' }
        : { type: 'isolate', entry: 'dist/plugin.js' },
    contributes: t.contributes,
    permissions: t.permissions,
    limits: t.limits,
    ...(t.configSchema === undefined ? {} : { configSchema: t.configSchema }),
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

const WASM_SOURCE = `import { Request, Result, jsonString, tool } from '@roku/plugin-api/assembly';

// The ABI exports live in the library; re-exporting them makes them exports of the wasm module.
export { call, describe } from '@roku/plugin-api/assembly';

function greet(req: Request): Result {
  const name = req.inputString('name', 'world');
  return Result.ok('{"greeting":' + jsonString('Hello, ' + name + '!') + '}');
}

tool('greet', greet);
`;

function packageJson({ id, kind = 'tool' }: InitNames): string {
  const value = {
    name: id,
    version: '0.1.0',
    private: true,
    description: KIND_TEMPLATES[kind].description,
    type: 'module',
    license: 'Apache-2.0',
    engines: { node: '>=24' },
    scripts: {
      build: 'roku-plugin build .',
      test: 'roku-plugin build . && node --test "test/**/*.test.ts"',
      validate: 'roku plugin validate .',
      'roku:pack': 'roku plugin pack .',
      'roku:publish': 'roku plugin publish . --registry "$ROKU_PUBLISH_REGISTRY" --key "$ROKU_PUBLISH_KEY"',
    },
    files: ['roku.plugin.json', 'dist', 'README.md'],
    devDependencies: { '@roku/plugin-api': SDK_RANGE, '@roku/plugin-testing': SDK_RANGE },
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

function readme({ id, runtime, kind = 'tool' }: InitNames): string {
  const source = runtime === 'wasm' ? 'assembly/index.ts' : 'src/index.ts';
  const entry = runtime === 'wasm' ? 'dist/plugin.wasm' : 'dist/plugin.js';
  return [
    `# ${id}`,
    '',
    KIND_TEMPLATES[kind].description,
    '',
    KIND_TEMPLATES[kind].readme,
    '',
    '- `roku.plugin.json`: the manifest the host checks before any code runs (contributions, permissions, limits).',
    `- \`${source}\`: the code, written with \`@roku/plugin-api\`${runtime === 'wasm' ? ' (AssemblyScript)' : ''}.`,
    '- `test/plugin.test.ts`: runs the built plugin in the real sandbox with `@roku/plugin-testing`, including',
    `  the ${kind === 'bridge' ? 'tool' : kind} conformance suite (\`runConformance\`): what the host expects of every ${kind === 'bridge' ? 'tool' : kind} plugin. A`,
    '  failing check prints what went wrong and the fix.',
    '',
    '## Author loop',
    '',
    '```sh',
    'npm install                      # the SDK and the test kit',
    `npm test                         # roku-plugin build . (writes ${entry}), then node --test`,
    'roku plugin test .               # the conformance suite, one line per check, then npm test',
    'roku plugin validate .',
    'roku plugin pack .               # a deterministic .tgz and its integrity',
    'roku plugin keygen               # once: $ROKU_HOME/keys/roku-signing.{pem,pub}',
    'roku plugin publish . --registry <dir-or-url> --key ~/.roku/keys/roku-signing.pem',
    '```',
    '',
    '`npm run roku:publish` runs the same publish with `$ROKU_PUBLISH_REGISTRY` and `$ROKU_PUBLISH_KEY`.',
    'Publishing to an HTTP registry reads its token from `ROKU_REGISTRY_TOKEN`. Users trust your key with',
    '`roku registry trust <roku-signing.pub>`, add the registry to `registries` in their config and run',
    `\`roku plugin install ${id}\`. Bump \`version\` (semver) for every publish; \`engines.roku\` says which`,
    'Roku plugin API versions the plugin works with.',
    '',
  ].join('\n');
}

const GITIGNORE = 'node_modules/\ndist/\n*.tgz\n';

/** The files of a new plugin folder, by relative path. */
export function initFiles(names: InitNames): Record<string, string> {
  const kind = names.kind ?? 'tool';
  const code =
    names.runtime === 'wasm'
      ? { 'assembly/index.ts': WASM_SOURCE, 'test/plugin.test.ts': KIND_TEMPLATES.tool.test }
      : { 'src/index.ts': KIND_TEMPLATES[kind].source, 'test/plugin.test.ts': KIND_TEMPLATES[kind].test };
  return {
    'roku.plugin.json': manifest(names),
    'package.json': packageJson(names),
    'README.md': readme(names),
    '.gitignore': GITIGNORE,
    ...code,
  };
}
