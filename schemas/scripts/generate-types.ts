// Generates src/generated/*.ts from json/*.schema.json. `pnpm generate` writes them; a test checks they are current.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

export const GENERATED = [
  { schema: 'plugin-manifest.schema.json', output: 'plugin-manifest.ts' },
  { schema: 'host-config.schema.json', output: 'host-config.ts' },
] as const;

const BANNER =
  '// Generated from json/{schema} by scripts/generate-types.ts. Do not edit; run `pnpm generate`.\n';

export async function generateTypes(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { schema, output } of GENERATED) {
    const json = JSON.parse(
      readFileSync(new URL(`../json/${schema}`, import.meta.url), 'utf8'),
    ) as Parameters<typeof compile>[0];
    const source = await compile(json, json.title ?? output, {
      bannerComment: BANNER.replace('{schema}', schema),
      additionalProperties: false,
      strictIndexSignatures: true,
      unreachableDefinitions: false,
      style: { singleQuote: true, printWidth: 110, trailingComma: 'all' },
    });
    files.set(output, source);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const dir = new URL('../src/generated/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of await generateTypes()) writeFileSync(new URL(name, dir), source);
}
