import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProviderProfile } from '../../src/conformance/index.js';
import { expectConformance, firstParty } from './first-party.js';

const plugins = firstParty('provider');

/** How each first-party provider meets the loopback upstream (the default is an OpenAI Chat Completions one). */
const PROFILES: Record<string, ProviderProfile> = {
  'provider-anthropic': { wire: 'anthropic', settings: { baseURL: '{{origin}}' } },
  'provider-openai-compatible': {
    wire: 'openai-chat',
    settings: { baseURL: '{{origin}}/v1', model: 'conformance-model' },
  },
  // No upstream: it answers from its script, so only the stream's shape and usage are checked.
  'provider-scripted': { wire: 'none', settings: { script: [{ text: 'Hello from the script.' }] } },
};

describe('first-party provider plugins', () => {
  it('exist', () => {
    expect(plugins.length).toBeGreaterThan(0);
  });
  for (const dir of plugins) {
    it(`${basename(dir)} passes the provider conformance suite`, { timeout: 120_000 }, async () => {
      const provider = PROFILES[basename(dir)];
      await expectConformance(dir, 'provider', provider === undefined ? {} : { provider });
    });
  }
});
