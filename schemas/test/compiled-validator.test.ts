/**
 * The host configuration and manifest schemas are validated by code the build compiled (no Ajv compile at a
 * command's start). It must answer exactly what Ajv compiling the schema at run time answers: the same verdict,
 * the same errors, the same defaults filled in, over valid documents and many broken ones.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_AJV_OPTIONS, documentValidator, schemaHash } from '../src/compiled-validator.js';
import { loadSchemaText } from '../src/load-schema.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Every first-party manifest, and a few host configurations. */
function samples(name: string): unknown[] {
  if (name === 'host-config') return [{}, { agent: { maxSteps: 5 } }, { plugins: { memorySlot: 'x' } }];
  return ['examples', 'plugins'].flatMap((d) =>
    readdirSync(join(repo, d))
      .map((p) => join(repo, d, p, 'roku.plugin.json'))
      .filter((f) => existsSync(f))
      .map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown),
  );
}

const VALUES: unknown[] = [null, 1, -1, 1.5, 'x', '', true, [], {}, [1], { a: 1 }, 'a'.repeat(300)];

/** A copy of `doc` with a few members removed, retyped or added, chosen by `random`. */
function broken(doc: unknown, random: () => number): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (node: unknown, at: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      paths.push([...at, key]);
      walk(child, [...at, key]);
    }
  };
  walk(copy, []);
  for (let m = 0; m < 1 + Math.floor(random() * 3) && paths.length > 0; m++) {
    const path = paths[Math.floor(random() * paths.length)] ?? [];
    let parent: unknown = copy;
    for (const key of path.slice(0, -1))
      parent =
        parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    if (parent === null || typeof parent !== 'object') continue;
    const node = parent as Record<string, unknown>;
    const key = path[path.length - 1] ?? '';
    const r = random();
    if (r < 0.3) Reflect.deleteProperty(node, key);
    else if (r < 0.8) node[key] = VALUES[Math.floor(random() * VALUES.length)];
    else node[`unknown_${String(m)}`] = 1;
  }
  return copy;
}

describe.each(['host-config', 'plugin-manifest'])('the compiled %s validator', (name) => {
  const text = loadSchemaText(`${name}.schema.json`);
  const schema = JSON.parse(text) as Record<string, unknown>;

  it('is the one the build made from this schema', () => {
    const compiled = documentValidator(name, text) as unknown as { schemaSha256?: unknown };
    expect(compiled.schemaSha256).toBe(schemaHash(text));
  });

  it('answers what Ajv compiling the schema now answers, errors and defaults included', () => {
    const compiled = documentValidator(name, text);
    const runtime = new Ajv2020(DOCUMENT_AJV_OPTIONS).compile(schema);
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const docs = samples(name);
    let invalid = 0;
    for (let i = 0; i < 1500; i++) {
      const base = docs[i % docs.length];
      const doc = i < docs.length ? structuredClone(base) : broken(base, random);
      const a = structuredClone(doc);
      const b = structuredClone(doc);
      const verdict = runtime(a);
      expect(compiled(b)).toBe(verdict);
      expect(compiled.errors ?? null).toEqual(runtime.errors ?? null);
      expect(b).toEqual(a);
      if (!verdict) invalid += 1;
    }
    // most of the broken documents are invalid, so the errors were compared, not only the verdicts
    expect(invalid).toBeGreaterThan(500);
  });

  it('is not used for a schema text it was not made from: Ajv compiles that one', () => {
    const edited = { ...schema, properties: { ...(schema.properties as object), x_new: { type: 'string' } } };
    const validate = documentValidator(name, JSON.stringify(edited));
    expect((validate as unknown as { schemaSha256?: unknown }).schemaSha256).toBeUndefined();
    // the edited schema is the one in force: x_new must now be a string
    expect(validate({ ...(samples(name)[0] as object), x_new: 1 })).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/x_new' && e.keyword === 'type')).toBe(true);
  });
});
