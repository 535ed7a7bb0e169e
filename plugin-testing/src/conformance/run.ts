import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE_NAME, RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import { CONFORMANCE_KINDS, runChecks } from './check.js';
import type { Check, CheckResult, ConformanceKind } from './check.js';
import { contextChecks } from './context-suite.js';
import { createSuiteEnv } from './env.js';
import type { SuiteEnv } from './env.js';
import { memoryChecks } from './memory-suite.js';
import { providerChecks } from './provider-suite.js';
import type { ProviderProfile } from './provider-suite.js';
import { subagentChecks } from './subagent-suite.js';
import { toolChecks } from './tool-suite.js';
import type { ToolProfile } from './tool-suite.js';

/** The optional `roku.conformance.json` of a plugin folder: how to drive its suites. */
export interface ConformanceProfile {
  /** The plugin's settings for every call (default: none). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly tool?: ToolProfile;
  readonly provider?: ProviderProfile;
}

export const CONFORMANCE_PROFILE_FILE = 'roku.conformance.json';

export interface ConformanceOptions {
  /** Suites to run (default: every kind the manifest contributes). */
  readonly kinds?: readonly ConformanceKind[];
  /** Replaces `roku.conformance.json`. */
  readonly profile?: ConformanceProfile;
  /** Runs only the checks whose name this accepts. */
  readonly only?: (name: string) => boolean;
}

export interface ConformanceReport {
  readonly ok: boolean;
  readonly pluginId: string;
  readonly version: string;
  readonly dir: string;
  readonly kinds: readonly ConformanceKind[];
  readonly results: readonly CheckResult[];
  readonly counts: { readonly pass: number; readonly fail: number; readonly skip: number };
}

/** The kinds of suite a manifest calls for, from what it contributes. */
export function conformanceKinds(manifest: PluginManifest): ConformanceKind[] {
  const c = manifest.contributes;
  const has: Record<ConformanceKind, boolean> = {
    tool: (c.tools ?? []).length > 0,
    provider: (c.providers ?? []).length > 0,
    memory: c.memorySlot !== undefined,
    context: c.contextEngine !== undefined,
    subagent: (c.subagentRuntimes ?? []).length > 0,
  };
  return CONFORMANCE_KINDS.filter((kind) => has[kind]);
}

/**
 * Reads a plugin folder's manifest and `roku.conformance.json`.
 *
 * @throws ROKU_PLUGIN_MANIFEST_INVALID naming each problem; ROKU_CONFORMANCE_PROFILE_INVALID for a bad profile
 */
function readFolder(dir: string): { manifest: PluginManifest; profile: ConformanceProfile } {
  const file = join(dir, MANIFEST_FILE_NAME);
  const parsed = createManifestValidator().parse(readFileSync(file));
  if (!parsed.ok) {
    throw new RokuError('ROKU_PLUGIN_MANIFEST_INVALID', formatIssues(file, parsed.issues).join('\n'), {
      details: { file, issues: parsed.issues },
    });
  }
  const profileFile = join(dir, CONFORMANCE_PROFILE_FILE);
  let profile: ConformanceProfile = {};
  if (existsSync(profileFile)) {
    try {
      const raw: unknown = JSON.parse(readFileSync(profileFile, 'utf8'));
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new Error('must be a JSON object');
      profile = raw;
    } catch (err) {
      throw new RokuError(
        'ROKU_CONFORMANCE_PROFILE_INVALID',
        `${profileFile}: ${(err as Error).message}; it holds { settings?, tool?: { inputs?, workspace? }, provider?: { wire?, settings?, env?, model? } }`,
        { details: { file: profileFile } },
      );
    }
  }
  return { manifest: parsed.value, profile };
}

interface Suite {
  checks: readonly Check<never>[];
  context: unknown;
  close?: () => Promise<void>;
}

async function openSuite(kind: ConformanceKind, env: SuiteEnv, profile: ConformanceProfile): Promise<Suite> {
  switch (kind) {
    case 'tool':
      return toolChecks(env, profile.tool);
    case 'provider':
      return providerChecks(env, profile.provider);
    case 'memory':
      return memoryChecks(env);
    case 'context':
      return contextChecks(env);
    case 'subagent':
      return subagentChecks(env);
  }
}

/**
 * Runs the conformance suite of every kind a built plugin contributes, in the real sandbox (fresh hosts with
 * temporary homes, real runner processes and capability checks). A check that cannot even start (the plugin
 * does not load) is reported as a failure of that kind's suite, with the load error.
 *
 * @example
 * const report = await runConformance('plugins/memory-session');
 * if (!report.ok) console.error(formatConformanceReport(report));
 */
export async function runConformance(
  dir: string,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const folder = resolve(dir);
  const { manifest, profile: fileProfile } = readFolder(folder);
  const profile = options.profile ?? fileProfile;
  const kinds = options.kinds ?? conformanceKinds(manifest);
  const results: CheckResult[] = [];
  for (const kind of kinds) {
    const env = createSuiteEnv(folder, manifest, profile.settings);
    let suite: Suite | undefined;
    try {
      suite = await openSuite(kind, env, profile);
      results.push(...(await runChecks(kind, suite.checks, suite.context as never, options.only)));
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const message = String(e.message ?? err);
      results.push({
        kind,
        name: 'loads in the sandbox',
        status: 'fail',
        message: `${typeof e.code === 'string' ? `${e.code}: ` : ''}${message}`,
        fix: message.includes('the bundle failed while loading')
          ? 'code that runs when the bundle loads threw (the top level of src/index.ts and of what it imports, not a handler): move work that can fail into the handlers, or catch it there'
          : 'the plugin must load before its suite can run: build it (roku plugin build) and fix the error above',
      });
    } finally {
      await suite?.close?.();
      await env.close();
    }
  }
  const count = (status: CheckResult['status']): number => results.filter((r) => r.status === status).length;
  const counts = { pass: count('pass'), fail: count('fail'), skip: count('skip') };
  return {
    ok: counts.fail === 0,
    pluginId: manifest.id,
    version: manifest.version,
    dir: folder,
    kinds,
    results,
    counts,
  };
}

/** The report as text: one line per check, and under each failure what happened and what to fix. */
export function formatConformanceReport(report: ConformanceReport): string {
  const lines = [`${report.pluginId}@${report.version}: ${report.kinds.join(', ') || 'no'} conformance`];
  for (const r of report.results) {
    const mark = r.status === 'pass' ? 'ok  ' : r.status === 'fail' ? 'FAIL' : 'skip';
    lines.push(`  ${mark} [${r.kind}] ${r.name}`);
    if (r.status === 'fail') {
      lines.push(`         ${r.message ?? ''}`);
      lines.push(`         fix: ${r.fix ?? ''}`);
    } else if (r.status === 'skip') lines.push(`         (${r.message ?? ''})`);
  }
  const { pass, fail, skip } = report.counts;
  lines.push(`${report.ok ? 'PASS' : 'FAIL'}: ${pass} passed, ${fail} failed, ${skip} skipped`);
  return `${lines.join('\n')}\n`;
}
