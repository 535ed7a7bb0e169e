/** Values the sampler gives string properties by name, so that common tools get inputs they can act on. */
export interface SampleHints {
  /** An http origin the plugin may reach (a loopback server of the suite). */
  readonly origin: string;
  /** A file the suite put in the workspace. */
  readonly file: string;
}

type Schema = Readonly<Record<string, unknown>>;

function stringFor(name: string, schema: Schema, hints: SampleHints): string {
  const key = name.toLowerCase();
  let value = 'hello';
  if (key.includes('url') || key.includes('uri') || schema.format === 'uri') value = `${hints.origin}/`;
  else if (key === 'path' || key.includes('file')) value = hints.file;
  else if (key.includes('command')) value = 'echo hello';
  else if (key.includes('pattern') || key.includes('query')) value = 'hello';
  else if (key === 'name' || key.endsWith('name')) value = 'conformance';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (value.length < min) value = value.padEnd(min, 'x');
  return value.slice(0, max);
}

/**
 * A plausible input for a JSON Schema: `examples[0]`, `default`, `const` or the first `enum` value when the
 * schema has one, else the required properties filled by type (strings by property name, see
 * {@link SampleHints}). Not a general generator: an author with unusual schemas lists inputs in
 * `roku.conformance.json`.
 */
export function sampleInput(schema: unknown, hints: SampleHints, name = ''): unknown {
  if (schema === null || typeof schema !== 'object') return {};
  const s = schema as Schema;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ('default' in s && name !== '') return s.default;
  for (const key of ['oneOf', 'anyOf'] as const) {
    const first = (s[key] as unknown[] | undefined)?.[0];
    if (first !== undefined) return sampleInput(first, hints, name);
  }
  const type = Array.isArray(s.type) ? (s.type[0] as unknown) : s.type;
  switch (type) {
    case 'string':
      return stringFor(name, s, hints);
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : 1;
      const max = typeof s.maximum === 'number' ? s.maximum : Math.max(min, 10);
      return Math.min(Math.max(min, 1), max);
    }
    case 'boolean':
      return false;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: min }, () => sampleInput(s.items, hints, name));
    }
    case 'null':
      return null;
    default: {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      const out: Record<string, unknown> = {};
      for (const key of required) out[key] = sampleInput(properties[key], hints, key);
      return out;
    }
  }
}
