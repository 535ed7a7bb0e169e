import { join } from 'node:path';
import type { Logger } from 'pino';
import { openSqlDatabase } from './sql-database.js';
import type { SqlDatabase } from './sql-database.js';

/** The SQL databases of a host's plugins, one per storage identity, shared by the loaded versions of a plugin. */
export interface SqlDatabases {
  /** The database of the identity whose folder name is `dirName`, at most `maxBytes`. */
  database(dirName: string, maxBytes: number): SqlDatabase;
  close(): void;
}

/** Databases live at `<root>/<identity dirName>/main.db`. */
export function createSqlDatabases(root: string, logger: Logger): SqlDatabases {
  const open = new Map<string, { readonly db: SqlDatabase; readonly maxBytes: number }>();
  return {
    database(dirName, maxBytes) {
      const current = open.get(dirName);
      if (current !== undefined && current.maxBytes === maxBytes) return current.db;
      // A version with another grant: the next statement opens the file again with the new quota.
      current?.db.close();
      const db = openSqlDatabase({ file: join(root, dirName, 'main.db'), maxBytes, logger });
      open.set(dirName, { db, maxBytes });
      return db;
    },
    close() {
      for (const { db } of open.values()) db.close();
      open.clear();
    },
  };
}
