import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildPlugin } from '@roku/plugin-api/build';
import { CONFORMANCE_KINDS, formatConformanceReport, runConformance } from '@roku/plugin-testing/conformance';
import type { ConformanceKind, ConformanceReport } from '@roku/plugin-testing/conformance';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { pluginFolder } from '../../plugin-folder.js';
import { annotateBundleLines } from './source-map.js';

/** How long the plugin's own test script may run. */
const OWN_TESTS_TIMEOUT_MS = 10 * 60_000;
/** Characters of the own tests' output kept for the report (the end of it, where runners summarise). */
const OWN_TESTS_TAIL_CHARS = 4000;

export interface PluginTestOptions {
  readonly json: boolean;
  /** Skip the build (the folder is built already). */
  readonly build: boolean;
  /** Run the plugin's own `npm test` script too, when its package.json has one. */
  readonly ownTests: boolean;
  /** Suites to run; default every kind the manifest contributes. */
  readonly kinds?: readonly string[];
}

interface OwnTests {
  readonly ran: boolean;
  readonly ok: boolean;
  readonly command?: string;
  readonly exitCode?: number | null;
  readonly output?: string;
  readonly reason?: string;
}

/** Whether the folder has source to build: TypeScript for an isolate, AssemblyScript for wasm. */
function hasSource(dir: string): boolean {
  return existsSync(join(dir, 'src', 'index.ts')) || existsSync(join(dir, 'assembly', 'index.ts'));
}

function parseKinds(kinds: readonly string[] | undefined): ConformanceKind[] | undefined {
  if (kinds === undefined || kinds.length === 0) return undefined;
  return kinds.map((kind) => {
    const known = CONFORMANCE_KINDS.find((k) => k === kind);
    if (known === undefined) {
      throw new RokuError(
        'ROKU_CLI_USAGE',
        `--kind ${kind}: not a plugin kind with a suite; use one of ${CONFORMANCE_KINDS.join(', ')}`,
      );
    }
    return known;
  });
}

/** Runs `npm test` in the plugin folder when its package.json has a test script; the output's end is kept. */
function runOwnTests(dir: string): Promise<OwnTests> {
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) return Promise.resolve({ ran: false, ok: true, reason: 'no package.json' });
  let script: unknown;
  try {
    script = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts?: { test?: unknown } }).scripts?.test;
  } catch {
    return Promise.resolve({ ran: false, ok: false, reason: `${pkgFile} is not valid JSON` });
  }
  if (typeof script !== 'string' || script.trim() === '')
    return Promise.resolve({ ran: false, ok: true, reason: 'package.json has no test script' });
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OWN_TESTS_TAIL_CHARS);
    };
    const child = spawn('npm', ['test', '--silent'], {
      cwd: dir,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: OWN_TESTS_TIMEOUT_MS,
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      resolve({ ran: false, ok: false, command: 'npm test', reason: `cannot run npm: ${err.message}` });
    });
    child.on('close', (code) => {
      resolve({ ran: true, ok: code === 0, command: 'npm test', exitCode: code, output });
    });
  });
}

function text(report: ConformanceReport, built: string | undefined, own: OwnTests): string {
  const lines: string[] = [];
  if (built !== undefined) lines.push(built);
  lines.push(formatConformanceReport(report).trimEnd());
  if (own.ran) {
    lines.push(
      `own tests (${own.command ?? 'npm test'}): ${own.ok ? 'PASS' : `FAIL (exit ${String(own.exitCode)})`}`,
    );
    if (!own.ok && own.output !== undefined) lines.push(own.output.trimEnd().replace(/^/gm, '  | '));
  } else if (!own.ok) lines.push(`own tests: FAIL (${own.reason ?? ''})`);
  else lines.push(`own tests: none (${own.reason ?? ''})`);
  const ok = report.ok && own.ok;
  lines.push(ok ? 'plugin test: PASS' : 'plugin test: FAIL');
  return `${lines.join('\n')}\n`;
}

/**
 * `roku plugin test <dir>`: builds the plugin (when it has source), runs the conformance suite of each kind it
 * contributes in the real sandbox, then its own `npm test` if it has one. Exit 0 when everything passed, 1
 * otherwise; `--json` prints `{ ok, pluginId, version, build, conformance, ownTests }`.
 *
 * @throws ROKU_CLI_NOT_FOUND (no plugin folder), ROKU_CLI_USAGE (unknown --kind), ROKU_PLUGIN_BUILD_FAILED,
 * ROKU_PLUGIN_MANIFEST_INVALID, ROKU_CONFORMANCE_PROFILE_INVALID
 */
export async function pluginTestCommand(io: CliIo, dir: string, options: PluginTestOptions): Promise<number> {
  const folder = pluginFolder(io.cwd, dir);
  const kinds = parseKinds(options.kinds);
  let built: { outFile: string; bytes: number } | undefined;
  if (options.build && hasSource(folder)) {
    const result = await buildPlugin(folder);
    built = { outFile: result.outFile, bytes: result.bytes };
    for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  }
  const report = await runConformance(folder, kinds === undefined ? {} : { kinds });
  const own: OwnTests = options.ownTests
    ? await runOwnTests(folder)
    : { ran: false, ok: true, reason: 'skipped (--no-own-tests)' };
  const ok = report.ok && own.ok;
  if (options.json) {
    io.stdout(
      `${JSON.stringify({
        ok,
        pluginId: report.pluginId,
        version: report.version,
        build: built ?? null,
        conformance: report,
        ownTests: own,
      })}\n`,
    );
  } else {
    const shown = text(
      report,
      built === undefined ? undefined : `built ${built.outFile} (${built.bytes} bytes)`,
      own,
    );
    // A load failure's bundle line, mapped to the author's src/…:line:col through dist/plugin.js.map.
    io.stdout(annotateBundleLines(shown, folder));
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** Adds `roku plugin test` to the `plugin` command. */
export function registerPluginTest(plugin: Command, io: CliIo, setExit: (code: number) => void): void {
  plugin
    .command('test')
    .description(
      "build a plugin and run its kind's conformance suite in the real sandbox, then its own tests; prints pass/fail per check",
    )
    .argument('[dir]', 'plugin folder', '.')
    .option(
      '--kind <kind...>',
      `suites to run (${CONFORMANCE_KINDS.join(', ')}); default: every kind it contributes`,
    )
    .option('--no-build', 'do not build first (the folder is built already)')
    .option('--no-own-tests', "do not run the plugin's own npm test script")
    .option('--json', 'print one JSON object')
    .action(
      async (dir: string, opts: { json?: boolean; build: boolean; ownTests: boolean; kind?: string[] }) => {
        setExit(
          await pluginTestCommand(io, dir, {
            json: opts.json === true,
            build: opts.build,
            ownTests: opts.ownTests,
            ...(opts.kind === undefined ? {} : { kinds: opts.kind }),
          }),
        );
      },
    );
}
