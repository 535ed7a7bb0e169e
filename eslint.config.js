// One type-aware lint configuration for every package. It also keeps the layering of ARCHITECTURE.md: which
// package may import which, and which room of the host may import which (`no-restricted-imports`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const WORKSPACE = [
  '@roku/schemas',
  '@roku/plugin-api',
  '@roku/plugin-testing',
  '@roku/host',
  '@roku/registry',
  '@roku/server',
  '@roku/cli',
];

/** The workspace packages each package's sources may import; every other one is above it or beside it. */
const PACKAGE_LAYERS = {
  schemas: [],
  'plugin-api': ['@roku/schemas'],
  registry: ['@roku/schemas'],
  host: ['@roku/schemas', '@roku/registry'],
  'plugin-testing': ['@roku/schemas', '@roku/host'],
  server: ['@roku/schemas', '@roku/host', '@roku/registry'],
  cli: ['@roku/schemas', '@roku/plugin-api', '@roku/host', '@roku/registry', '@roku/server'],
};

/**
 * The rooms of the host and the rooms each may import (`logging` and `errors.ts` are open to all). A room
 * missing here (`agent`, the top) may import any room.
 */
const HOST_ROOMS = {
  logging: [],
  config: [],
  sandbox: [],
  capabilities: ['sandbox'],
  plugins: ['capabilities', 'sandbox'],
  install: ['plugins', 'capabilities', 'sandbox'],
  store: [],
  mcp: ['capabilities', 'sandbox'],
  doctor: ['config', 'sandbox', 'capabilities', 'plugins', 'mcp', 'agent'],
};
const ALL_ROOMS = [...Object.keys(HOST_ROOMS), 'agent'];

/** Entry points a package may import although their package is above or beside it. */
const ENTRY_EXCEPTIONS = {
  // The test kit's conformance suites back `roku plugin test` and `roku plugin dev`.
  cli: { '@roku/plugin-testing': 'conformance' },
};

/** Patterns forbidding imports of other workspace packages, package-level. */
function packagePatterns(pkg, allowed) {
  const exceptions = ENTRY_EXCEPTIONS[pkg] ?? {};
  const banned = WORKSPACE.filter((name) => name !== `@roku/${pkg}` && !allowed.includes(name));
  const message = `${pkg} may import only ${allowed.join(', ') || 'no other workspace package'} (ARCHITECTURE.md).`;
  const group = banned.filter((name) => !(name in exceptions)).flatMap((name) => [name, `${name}/*`]);
  return [
    ...(group.length === 0 ? [] : [{ group, message }]),
    // A package with an allowed entry: every other entry of it stays forbidden.
    ...Object.entries(exceptions).map(([name, entry]) => ({
      regex: `^${name}(?!/${entry}$)(/.*)?$`,
      message,
    })),
  ];
}

/** Pattern forbidding a room's relative imports of the rooms above it. */
function roomPattern(room, allowed, exceptions = '') {
  const banned = ALL_ROOMS.filter((r) => r !== room && r !== 'logging' && !allowed.includes(r));
  return {
    regex: `^(\\.\\./)+(${banned.join('|')})/${exceptions}`,
    message: `host/src/${room} may import only ${['logging', ...allowed].join(', ')} of the host's rooms (ARCHITECTURE.md).`,
  };
}

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const packageBlocks = Object.entries(PACKAGE_LAYERS).map(([pkg, allowed]) => ({
  files: [`${pkg}/src/**/*.ts`],
  rules: restrict(...packagePatterns(pkg, allowed)),
}));

const roomBlocks = Object.entries(HOST_ROOMS).map(([room, allowed]) => ({
  files: [`host/src/${room}/**/*.ts`],
  rules: restrict(...packagePatterns('host', PACKAGE_LAYERS.host), roomPattern(room, allowed, '')),
}));

// What the sandbox runner process loads: the full @roku/schemas entry would load the validators (ajv and every
// schema), about 40 ms and 3 MB of heap at each runner start, for its error class alone.
const runnerBlock = {
  files: [
    'host/src/sandbox/runner/**/*.ts',
    'host/src/sandbox/{safe-json,code-cache,limits,protocol,wire}.ts',
  ],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...packagePatterns('host', PACKAGE_LAYERS.host),
          roomPattern('sandbox', HOST_ROOMS.sandbox, ''),
          {
            regex: '^@roku/schemas$',
            allowTypeImports: true,
            message:
              'the sandbox runner imports @roku/schemas/errors or @roku/schemas/strict-json: the full entry loads the validators at every runner start.',
          },
        ],
      },
    ],
  },
};

// Plugins and examples are built against the SDK only: no other workspace package, no reaching into one by a
// relative path, and (in sources, which run in an isolate) no Node built-in.
const LEAVES_PACKAGE = { regex: '^(\\.\\./){2,}', message: 'import other packages by name, not by path.' };
const pluginBlocks = [
  {
    files: ['plugins/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    rules: restrict(
      {
        // The OpenAI-compatible provider bundles the OpenAI provider's Chat Completions stream (one copy of it).
        group: [
          '@roku/*',
          '!@roku/plugin-api',
          '!@roku/plugin-api/*',
          '!@roku/plugin-provider-openai',
        ] /* exports ./wire only */,
        message: 'plugins import only the SDK (@roku/plugin-api) and their own dependencies.',
      },
      // Bare names (`fs`) are refused by the plugin bundler; they may also be npm polyfills.
      { group: ['node:*'], message: 'plugin code runs in an isolate: there are no Node built-ins.' },
      LEAVES_PACKAGE,
    ),
  },
  {
    files: ['plugins/*/test/**/*.ts', 'examples/*/test/**/*.ts'],
    rules: restrict(
      {
        group: [
          '@roku/*',
          '!@roku/plugin-api',
          '!@roku/plugin-api/*',
          '!@roku/plugin-testing',
          '!@roku/test-support',
        ],
        message:
          'plugin tests import only the SDK, the test kits (@roku/plugin-testing, @roku/test-support) and their own dependencies.',
      },
      LEAVES_PACKAGE,
    ),
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.toolchain/**',
      '**/src/generated/**',
      '**/assembly/**',
      '**/*.js',
      '**/*.mjs',
      // The isolate prelude is JavaScript that ships: it is linted (below) and type-checked (its tsconfig).
      '!host/src/sandbox/isolate-prelude/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // `interface RokuErrorCodes extends CodesOf<…> {}` is how a catalog merges its codes in.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }],
    },
  },
  ...packageBlocks,
  ...roomBlocks,
  runnerBlock,
  ...pluginBlocks,
  {
    // The isolate prelude: plain JavaScript for a bare V8 isolate. Its tsconfig checks the types; here the
    // recommended JavaScript rules, with no-undef against what the isolate really has: the ES globals, plus
    // URL and URLSearchParams that core-js installs (index.js). The web globals the prelude defines itself
    // are imported from its own modules, never read from globalThis by name.
    files: ['host/src/sandbox/isolate-prelude/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'module', globals: { URL: 'readonly', URLSearchParams: 'readonly' } },
    rules: { 'no-undef': 'error' },
  },
);
