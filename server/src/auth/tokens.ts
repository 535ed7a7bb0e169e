import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import type { ServerDb } from '../state/db.js';

/** What a token may do: `chat` (sessions, runs, the OpenAI facade), `approvals`, `admin` (plugins, audit), `metrics`. */
export const TOKEN_SCOPES = ['chat', 'approvals', 'admin', 'metrics'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly createdAt: number;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** Access tokens, stored as sha256 hashes of their secret part: the secret is shown once, at creation. */
export interface TokenStore {
  /** @throws ROKU_TOKEN_INVALID_SCOPE */
  create(name: string, scopes: readonly string[]): { token: string; info: TokenInfo };
  list(): TokenInfo[];
  /** @throws ROKU_TOKEN_NOT_FOUND */
  revoke(id: string): TokenInfo;
  /** Whether any token that is not revoked exists (a non-loopback listen needs one). */
  hasActive(): boolean;
  /** The token's info when `presented` is a live token, else undefined; constant time in the secret. */
  verify(presented: string): TokenInfo | undefined;
}

const PREFIX = 'roku_';

interface Row {
  id: string;
  name: string;
  hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function infoOf(row: Row): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes
      .split(',')
      .filter((s): s is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(s)),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Checks scope names, with the one that is wrong named. @throws ROKU_TOKEN_INVALID_SCOPE */
export function parseScopes(scopes: readonly string[]): TokenScope[] {
  const bad = scopes.find((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (bad !== undefined || scopes.length === 0) {
    throw new RokuError(
      'ROKU_TOKEN_INVALID_SCOPE',
      bad === undefined
        ? `a token needs at least one scope of ${TOKEN_SCOPES.join(', ')}`
        : `token scope "${bad}" is not one of ${TOKEN_SCOPES.join(', ')}`,
      { details: { scope: bad ?? null, allowed: [...TOKEN_SCOPES] } },
    );
  }
  return [...new Set(scopes as TokenScope[])];
}

export function createTokenStore(db: ServerDb, now: () => number = Date.now): TokenStore {
  const byId = db.prepare<[string], Row>('SELECT * FROM tokens WHERE id = ?');
  const touch = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  return {
    create(name, scopes) {
      const checked = parseScopes(scopes);
      const id = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      db.prepare('INSERT INTO tokens (id, name, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)').run(
        id,
        name,
        hashSecret(secret).toString('hex'),
        checked.join(','),
        now(),
      );
      return { token: `${PREFIX}${id}_${secret}`, info: infoOf(byId.get(id) as Row) };
    },
    list() {
      return db.prepare<[], Row>('SELECT * FROM tokens ORDER BY created_at').all().map(infoOf);
    },
    revoke(id) {
      const row = byId.get(id);
      if (row === undefined) {
        throw new RokuError('ROKU_TOKEN_NOT_FOUND', `no access token has id "${id}" (see roku token list)`, {
          details: { tokenId: id },
        });
      }
      if (row.revoked_at === null) db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(now(), id);
      return infoOf(byId.get(id) as Row);
    },
    hasActive() {
      return db.prepare('SELECT 1 FROM tokens WHERE revoked_at IS NULL LIMIT 1').get() !== undefined;
    },
    verify(presented) {
      const match = /^roku_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
      // Hash even a malformed token so that timing does not tell a malformed one from an unknown one.
      const given = hashSecret(match?.[2] ?? presented);
      const row = match === null ? undefined : byId.get(match[1] as string);
      const stored = row === undefined ? Buffer.alloc(32) : Buffer.from(row.hash, 'hex');
      const equal = timingSafeEqual(given, stored);
      if (row === undefined || !equal || row.revoked_at !== null) return undefined;
      // Recorded at most once a minute: a write per request would cost more than the request.
      if (row.last_used_at === null || now() - row.last_used_at > 60_000) touch.run(now(), row.id);
      return infoOf(row);
    },
  };
}
