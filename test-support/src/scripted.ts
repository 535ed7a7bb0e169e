import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
// The step type is the provider's own: tests load the built plugin from its folder, and a package dependency
// on it would close a cycle (host tests → plugin → SDK → host), so only its type is imported, by path.
import type { ScriptStep } from '../../plugins/provider-scripted/src/index.js';

export type { ScriptStep };

/** The scripted provider's plugin id: its settings key and its kv namespace. */
export const SCRIPTED_PLUGIN_ID = '@roku/plugin-provider-scripted';

// Strict-mode records the provider keeps in its kv store (plugins/provider-scripted/README.md, "Strict mode").
const SCRIPT_PREFIX = 'strict:script:';
const USED_PREFIX = 'strict:used:';

/** Where a host keeps its plugins' kv stores, under ROKU_HOME. */
const KV_FILE = join('state', 'plugin-kv.db');

/**
 * The scripted provider's strict-mode kv records (none when no host ran in `home`), read straight from the host's SQLite file (table `kv`: ns, key, value)
 * with Node's own SQLite, so that this package needs no workspace dependency. A host test checks the layout.
 */
export function readScriptedKv(home: string): Map<string, string> {
  const file = join(home, KV_FILE);
  if (!existsSync(file)) return new Map();
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db
      .prepare('SELECT key, value FROM kv WHERE ns = ? AND key LIKE ?')
      .all(SCRIPTED_PLUGIN_ID, 'strict:%') as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

/**
 * The scripted provider's settings for `script` (strict unless told otherwise), keyed by its plugin id, for
 * the `plugins.settings` section of a host config.
 */
export function scriptedSettings(
  script: readonly ScriptStep[],
  options: { readonly strict?: boolean } = {},
): Record<string, unknown> {
  return { [SCRIPTED_PLUGIN_ID]: { script, strict: options.strict ?? true } };
}

/**
 * The steps of strict scripts that were never due for a request, as `script[<index>] <step>`, from the records
 * the provider keeps in the kv store of the host that ran in `home`. Empty when every step answered.
 */
export function unusedScriptSteps(home: string): string[] {
  const records = readScriptedKv(home);
  const unused: string[] = [];
  for (const [key, value] of records) {
    if (!key.startsWith(SCRIPT_PREFIX)) continue;
    const digest = key.slice(SCRIPT_PREFIX.length);
    const labels = JSON.parse(value) as string[];
    labels.forEach((label, index) => {
      if (!records.has(`${USED_PREFIX}${digest}:${index}`)) unused.push(`script[${index}] ${label}`);
    });
  }
  return unused;
}

/**
 * Throws, naming them, when strict scripts run by the host in `home` have steps that never answered a request:
 * the test forgot a request it scripted, or the code under test skipped one. Given the `script` the test
 * configured, it also throws when the provider never answered at all (it records a script on its first call).
 */
export function expectScriptUsed(home: string, script?: readonly ScriptStep[]): void {
  if (
    script !== undefined &&
    script.length > 0 &&
    ![...readScriptedKv(home).keys()].some((k) => k.startsWith(SCRIPT_PREFIX))
  ) {
    throw new Error(
      `scripted provider: a strict script of ${script.length} step(s) was configured but no request reached it`,
    );
  }
  const unused = unusedScriptSteps(home);
  if (unused.length > 0) {
    throw new Error(
      `scripted provider: ${unused.length} script step(s) never used:\n  ${unused.join('\n  ')}`,
    );
  }
}
