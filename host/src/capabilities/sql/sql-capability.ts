import { badRequest, denied, overLimit } from '../policy.js';
import type { Policy } from '../policy.js';
import type { SqlDatabase } from './sql-database.js';
import type { SqlResult, SqlStatement, SqlValue } from './sql-protocol.js';

/** Most statements one batch may hold. */
export const MAX_SQL_BATCH = 1000;
/** Most bound parameters one statement may have. */
export const MAX_SQL_PARAMS = 999;
/** Longest statement text, in characters. */
export const MAX_SQL_CHARS = 100_000;

/** How the broker reaches a plugin's database: opened on first use, sized by the grant. */
export type SqlAccess = (maxBytes: number) => SqlDatabase;

function checkValue(value: unknown, where: string): SqlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badRequest(`${where} must be a finite number`);
    return value;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const base64 = (value as { base64?: unknown }).base64;
    if (keys.length === 1 && typeof base64 === 'string') return { base64 };
  }
  throw badRequest(`${where} must be a string, a number, null or { base64 }`);
}

function checkStatement(raw: unknown, where: string): SqlStatement {
  const { sql, params } = (raw ?? {}) as { sql?: unknown; params?: unknown };
  if (typeof sql !== 'string' || sql.trim() === '')
    throw badRequest(`${where}.sql must be a non-empty string`);
  if (sql.length > MAX_SQL_CHARS) throw overLimit(`${where}.sql is longer than ${MAX_SQL_CHARS} characters`);
  const list = params ?? [];
  if (!Array.isArray(list)) throw badRequest(`${where}.params must be an array`);
  if (list.length > MAX_SQL_PARAMS) throw overLimit(`${where}.params has more than ${MAX_SQL_PARAMS} values`);
  return { sql, params: list.map((v: unknown, i) => checkValue(v, `${where}.params[${i}]`)) };
}

/**
 * Serves `sql.query` and `sql.batch` for a plugin with `permissions.capabilities.sql`: arguments checked here,
 * statements checked by SQLite's authorizer in the database's own process.
 *
 * @throws ROKU_CAPABILITY_DENIED (not granted, or a refused statement), ROKU_CAPABILITY_BAD_REQUEST,
 *   ROKU_CAPABILITY_LIMIT, and what SqlDatabase.run throws
 */
export async function serveSql(
  op: 'sql.query' | 'sql.batch',
  args: { sql?: unknown; params?: unknown; statements?: unknown },
  policy: Policy,
  access: SqlAccess | undefined,
): Promise<SqlResult | { results: SqlResult[] }> {
  const { pluginId, sql: grant } = policy;
  if (grant === undefined)
    throw denied(`${pluginId}: ${op} denied: permissions.capabilities.sql is not granted`);
  if (access === undefined) throw denied(`${pluginId}: ${op} denied: this host offers no SQL databases`);
  const database = access(grant.maxBytes);
  if (op === 'sql.query') {
    const statement = checkStatement(args, `${pluginId}: sql.query`);
    const [result] = await database.run([statement], false, grant.statementTimeoutMs);
    if (result === undefined) throw badRequest(`${pluginId}: sql.query gave no result`);
    return result;
  }
  const { statements } = args;
  if (!Array.isArray(statements) || statements.length === 0) {
    throw badRequest(`${pluginId}: sql.batch statements must be a non-empty array`);
  }
  if (statements.length > MAX_SQL_BATCH) {
    throw overLimit(`${pluginId}: sql.batch has more than ${MAX_SQL_BATCH} statements`);
  }
  const checked = statements.map((s: unknown, i) =>
    checkStatement(s, `${pluginId}: sql.batch statements[${i}]`),
  );
  return { results: await database.run(checked, true, grant.statementTimeoutMs) };
}
