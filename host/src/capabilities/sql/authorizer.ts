import { constants } from 'node:sqlite';

/**
 * What a plugin's SQL may do, decided by SQLite's authorizer while each statement is prepared (so a trick in
 * the text cannot get past it): tables, indexes, views and triggers of its own `main` database, FTS5 tables,
 * plain reads and writes, and a few harmless PRAGMAs. Refused: ATTACH/DETACH (other files), transactions and
 * savepoints (the host owns them), temp objects (they escape the size quota), other virtual table modules,
 * `load_extension` and every PRAGMA not listed.
 */
const C = constants;

/** PRAGMAs that only read or change the plugin's own database in ways the quota still covers. */
const ALLOWED_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
  'foreign_key_check',
  'integrity_check',
  'quick_check',
  'user_version',
  'page_count',
  'page_size',
  'freelist_count',
  'optimize',
  // FTS5 reads it to notice changes made by other connections.
  'data_version',
]);

/** Virtual table modules a plugin may create. */
const ALLOWED_MODULES = new Set(['fts5', 'fts5vocab']);

const DENIED_FUNCTIONS = new Set(['load_extension', 'fts3_tokenizer', 'readfile', 'writefile', 'edit']);

/** Action codes allowed whatever the arguments (still confined to `main` below). */
const PLAIN = new Set<number>([
  C.SQLITE_SELECT,
  C.SQLITE_READ,
  C.SQLITE_INSERT,
  C.SQLITE_UPDATE,
  C.SQLITE_DELETE,
  C.SQLITE_CREATE_TABLE,
  C.SQLITE_CREATE_INDEX,
  C.SQLITE_CREATE_VIEW,
  C.SQLITE_CREATE_TRIGGER,
  C.SQLITE_DROP_TABLE,
  C.SQLITE_DROP_INDEX,
  C.SQLITE_DROP_VIEW,
  C.SQLITE_DROP_TRIGGER,
  C.SQLITE_ALTER_TABLE,
  C.SQLITE_REINDEX,
  C.SQLITE_ANALYZE,
  C.SQLITE_RECURSIVE,
]);

/** Why the action is refused, or undefined when it is allowed. */
export function refusal(
  action: number,
  arg1: string | null,
  arg2: string | null,
  dbName: string | null,
): string | undefined {
  if (dbName !== null && dbName !== 'main')
    return `only the plugin's own database ("main") is reachable, not "${dbName}"`;
  switch (action) {
    case C.SQLITE_PRAGMA: {
      const name = (arg1 ?? '').toLowerCase();
      return ALLOWED_PRAGMAS.has(name) ? undefined : `PRAGMA ${name} is not allowed`;
    }
    case C.SQLITE_FUNCTION:
      return DENIED_FUNCTIONS.has((arg2 ?? '').toLowerCase()) ? `function ${arg2} is not allowed` : undefined;
    case C.SQLITE_CREATE_VTABLE:
    case C.SQLITE_DROP_VTABLE:
      return ALLOWED_MODULES.has((arg2 ?? '').toLowerCase())
        ? undefined
        : `virtual table module ${arg2} is not allowed (only fts5)`;
    case C.SQLITE_ATTACH:
    case C.SQLITE_DETACH:
      return "ATTACH and DETACH are not allowed: only the plugin's own database is reachable";
    case C.SQLITE_TRANSACTION:
    case C.SQLITE_SAVEPOINT:
      return 'transactions are run by the host: send several statements as one sql.batch';
    default:
      return PLAIN.has(action)
        ? undefined
        : `statement kind ${action} is not allowed (temporary objects escape the quota)`;
  }
}
