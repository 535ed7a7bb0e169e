/** A value crossing to or from a plugin's database: blobs travel as base64. */
export type SqlValue = string | number | null | { readonly base64: string };

export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Host → SQL process: one statement, or a batch run in one transaction. */
export interface SqlRequest {
  readonly id: number;
  readonly batch: boolean;
  readonly statements: readonly SqlStatement[];
}

export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
  readonly changes: number;
  readonly lastInsertRowid: number;
}

/** SQL process → host. */
export type SqlReply =
  | { readonly id: number; readonly ok: true; readonly results: readonly SqlResult[] }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    };
