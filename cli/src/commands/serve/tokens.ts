import { createTokenStore, openServerDb } from '@roku/server';
import type { TokenInfo, TokenStore } from '@roku/server';
import { cliConfig } from '../../config.js';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { table } from '../agent/render.js';

function withTokens<T>(io: CliIo, configFile: string | undefined, use: (tokens: TokenStore) => T): T {
  const db = openServerDb(cliConfig(io, configFile).home);
  try {
    return use(createTokenStore(db));
  } finally {
    db.close();
  }
}

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** `roku token create`: prints the token once (stdout); only its hash is kept. */
export function tokenCreateCommand(
  io: CliIo,
  configFile: string | undefined,
  opts: { name: string; scopes: readonly string[]; json: boolean },
): number {
  return withTokens(io, configFile, (tokens) => {
    const { token, info } = tokens.create(
      opts.name,
      opts.scopes
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
    if (opts.json) {
      io.stdout(`${JSON.stringify({ ok: true, token, ...info })}\n`);
      return EXIT.ok;
    }
    io.stdout(`${token}\n`);
    io.stderr(
      `token ${info.id} (${info.name}) with scopes ${info.scopes.join(', ')}; it is shown only now: keep it secret\n`,
    );
    return EXIT.ok;
  });
}

/** `roku token list`: ids, names, scopes and dates; never the tokens. */
export function tokenListCommand(io: CliIo, configFile: string | undefined, json: boolean): number {
  return withTokens(io, configFile, (tokens) => {
    const rows: TokenInfo[] = tokens.list();
    if (json) {
      io.stdout(`${JSON.stringify({ ok: true, tokens: rows })}\n`);
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.stdout('no access tokens (create one with roku token create --scope chat)\n');
      return EXIT.ok;
    }
    io.stdout(
      table([
        ['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
        ...rows.map((t) => [
          t.id,
          t.name,
          t.scopes.join(','),
          date(t.createdAt),
          date(t.lastUsedAt),
          date(t.revokedAt),
        ]),
      ]),
    );
    return EXIT.ok;
  });
}

/** `roku token revoke <id>`: the token stops working at once, also for a running server. */
export function tokenRevokeCommand(
  io: CliIo,
  configFile: string | undefined,
  id: string,
  json: boolean,
): number {
  return withTokens(io, configFile, (tokens) => {
    const info = tokens.revoke(id);
    io.stdout(
      json ? `${JSON.stringify({ ok: true, ...info })}\n` : `revoked token ${info.id} (${info.name})\n`,
    );
    return EXIT.ok;
  });
}
