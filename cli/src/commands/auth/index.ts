import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RokuError } from '@roku/schemas';
import { resolveHome } from '@roku/host';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import type { LifecycleIo } from '../lifecycle/prompt.js';
import { interactive } from '../lifecycle/prompt.js';
import { authFilePath, checkSecretName, readAuthFile, removeSecret, setSecret } from './store.js';

/** Secret names the installed plugins were granted, with the plugins that use each. */
function wantedSecrets(home: string): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  try {
    const state = JSON.parse(readFileSync(join(home, 'state', 'installed.json'), 'utf8')) as {
      plugins?: Record<string, { id?: unknown; granted?: { secrets?: unknown } }>;
    };
    for (const plugin of Object.values(state.plugins ?? {})) {
      const secrets = plugin.granted?.secrets;
      if (typeof plugin.id !== 'string' || !Array.isArray(secrets)) continue;
      for (const name of secrets) {
        if (typeof name === 'string') wanted.set(name, [...(wanted.get(name) ?? []), plugin.id]);
      }
    }
  } catch {
    // No plugin installed yet, or a state the installer itself will report.
  }
  return wanted;
}

/** Reads the value: all of piped stdin, or one line typed at a terminal (not echoed). */
async function readValue(io: LifecycleIo, name: string): Promise<string> {
  const stdin = io.stdin ?? process.stdin;
  const tty = interactive(io) && stdin === process.stdin && process.stdin.isTTY;
  if (tty) io.stderr(`value of ${name} (not shown): `);
  if (tty) process.stdin.setRawMode(true);
  let text = '';
  try {
    for await (const chunk of stdin) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (tty && ['\r', '\n', '\u0003', '\u0004'].some((c) => text.includes(c))) break;
    }
  } finally {
    if (tty) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
      io.stderr('\n');
    }
  }
  if (text.includes('\u0003')) throw new RokuError('ROKU_CLI_USAGE', `cancelled; ${name} was not stored`);
  const end = ['\r', '\n', '\u0004'].map((c) => text.indexOf(c)).filter((i) => i >= 0);
  return text.slice(0, end.length === 0 ? text.length : Math.min(...end)).trim();
}

/** `roku auth set NAME`: stores the value read from stdin in $ROKU_HOME/auth.json (mode 0600). */
export async function authSetCommand(io: LifecycleIo, name: string, json: boolean): Promise<number> {
  checkSecretName(name);
  const home = resolveHome(io.env);
  const value = await readValue(io, name);
  setSecret(home, name, value);
  const shadowed = io.env[name] !== undefined && io.env[name] !== '';
  if (json) {
    io.stdout(
      `${JSON.stringify({ ok: true, name, file: authFilePath(home), shadowedByEnvironment: shadowed })}\n`,
    );
  } else {
    io.stdout(`stored ${name} in ${authFilePath(home)}\n`);
    if (shadowed) io.stderr(`note: the environment variable ${name} is set and wins over the stored value\n`);
  }
  return EXIT.ok;
}

/** `roku auth list`: secret names, where each comes from and who uses it; never a value. */
export function authListCommand(io: CliIo, json: boolean): number {
  const home = resolveHome(io.env);
  const stored = readAuthFile(home).secrets;
  const wanted = wantedSecrets(home);
  const names = [...new Set([...Object.keys(stored), ...wanted.keys()])].sort();
  const rows = names.map((name) => {
    const env = io.env[name] !== undefined && io.env[name] !== '';
    return {
      name,
      source: env ? 'environment' : name in stored ? 'auth.json' : 'missing',
      stored: name in stored,
      environment: env,
      updatedAt: stored[name]?.updatedAt ?? null,
      usedBy: wanted.get(name) ?? [],
    };
  });
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, file: authFilePath(home), secrets: rows })}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout('no secrets stored; add one with roku auth set <NAME>\n');
    return EXIT.ok;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const source = r.source === 'environment' && r.stored ? 'environment (wins over auth.json)' : r.source;
    const used = r.usedBy.length === 0 ? '' : `  used by ${r.usedBy.join(', ')}`;
    io.stdout(`${r.name.padEnd(width)}  ${source}${used}\n`);
  }
  return EXIT.ok;
}

/** `roku auth remove NAME`. */
export function authRemoveCommand(io: CliIo, name: string, json: boolean): number {
  const home = resolveHome(io.env);
  if (!removeSecret(home, name)) {
    throw new RokuError(
      'ROKU_CLI_AUTH_NOT_FOUND',
      `no stored secret ${name}; roku auth list shows what is stored`,
      {
        details: { name },
      },
    );
  }
  io.stdout(json ? `${JSON.stringify({ ok: true, name, removed: true })}\n` : `removed ${name}\n`);
  return EXIT.ok;
}

/** `roku auth set|list|remove`. */
export function registerAuthCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const auth = program
    .command('auth')
    .description(
      'store API keys and other secrets for plugins in $ROKU_HOME/auth.json (environment variables win)',
    );
  auth
    .command('set')
    .description('store a secret; the value is read from stdin (typed unseen at a terminal, or piped)')
    .argument('<name>', 'secret name, e.g. OPENAI_API_KEY')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { json?: boolean }) => {
      setExit(await authSetCommand(io, name, opts.json === true));
    });
  auth
    .command('list')
    .description('secret names, where each value comes from and which plugins use it (never the values)')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      setExit(authListCommand(io, opts.json === true));
    });
  auth
    .command('remove')
    .description('delete a stored secret')
    .argument('<name>', 'secret name')
    .option('--json', 'print one JSON object')
    .action((name: string, opts: { json?: boolean }) => {
      setExit(authRemoveCommand(io, name, opts.json === true));
    });
}
