import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHostConfigValidator } from '@roku/schemas';
import { CONFIG_ENV_PREFIX, envSegment } from '../../src/index.js';

type Node = { properties?: Record<string, Node> };

function leaves(node: Node, path: string[] = []): string[][] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    key === '$schema'
      ? []
      : child.properties === undefined
        ? [[...path, key]]
        : leaves(child, [...path, key]),
  );
}

describe('configuration reference', () => {
  it('documents every key with its environment variable', () => {
    const doc = readFileSync(new URL('../../../docs/reference/configuration.md', import.meta.url), 'utf8');
    const keys = leaves(createHostConfigValidator().schema);
    expect(keys.length).toBeGreaterThan(10);
    for (const path of keys) {
      const variable = `${CONFIG_ENV_PREFIX}${path.map(envSegment).join('__')}`;
      expect(doc).toMatch(new RegExp(`\\| \`${path.join('\\.')}\` \\|[^\\n]*\\| \`${variable}\` \\|`));
    }
  });
});
