import { describe, expect, it } from 'vitest';
import { loadSchemaFile } from '../src/load-schema.js';

type Node = { description?: unknown; default?: unknown; properties?: Record<string, Node>; type?: unknown };

function undocumented(node: Node, path: string, missing: string[]): string[] {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const here = `${path}/${key}`;
    if (typeof child.description !== 'string') missing.push(`${here}: description`);
    if (child.default === undefined) missing.push(`${here}: default`);
    undocumented(child, here, missing);
  }
  return missing;
}

describe('host configuration schema', () => {
  it('documents every key with a description and a default', () => {
    expect(undocumented(loadSchemaFile('host-config.schema.json') as Node, '', [])).toEqual([]);
  });
});
