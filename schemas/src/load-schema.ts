import { readFileSync } from 'node:fs';

/** Reads one of the package's JSON Schemas; `src/` and `dist/` both sit beside `json/`. */
export function loadSchemaFile(name: string): Record<string, unknown> {
  return JSON.parse(loadSchemaText(name)) as Record<string, unknown>;
}

/** The text of one of the package's JSON Schemas. */
export function loadSchemaText(name: string): string {
  return readFileSync(new URL(`../json/${name}`, import.meta.url), 'utf8');
}
