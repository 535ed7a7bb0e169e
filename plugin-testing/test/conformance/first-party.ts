import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginManifest } from '@roku/schemas';
import { conformanceKinds, formatConformanceReport, runConformance } from '../../src/conformance/index.js';
import type { ConformanceKind, ConformanceProfile } from '../../src/conformance/index.js';

const PLUGINS = fileURLToPath(new URL('../../../plugins/', import.meta.url));

/** The first-party plugin folders that contribute `kind`. */
export function firstParty(kind: ConformanceKind): string[] {
  return readdirSync(PLUGINS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(PLUGINS, d.name))
    .filter((dir) => {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as PluginManifest;
        return conformanceKinds(manifest).includes(kind);
      } catch {
        return false;
      }
    });
}

/**
 * Runs one kind's suite on a plugin folder and throws the whole report when a check fails, so the test
 * output says what to fix.
 */
export async function expectConformance(
  dir: string,
  kind: ConformanceKind,
  profile: ConformanceProfile = {},
): Promise<void> {
  const report = await runConformance(dir, { kinds: [kind], profile });
  if (!report.ok) throw new Error(formatConformanceReport(report));
  if (report.counts.pass === 0) throw new Error(`no check ran:\n${formatConformanceReport(report)}`);
}
