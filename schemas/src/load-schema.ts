import { readFileSync } from 'node:fs';

/** Reads one of the package's JSON Schemas; `src/` and `dist/` both sit beside `json/`. */
export function loadSchemaFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../json/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}
