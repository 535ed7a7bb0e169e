import { describe, expect, it } from 'vitest';
import { describeNetworkGrants } from '../../../src/capabilities/index.js';

describe('network grants in plain words', () => {
  it('spells out wildcards and marks what only the user config can grant', () => {
    const grants = describeNetworkGrants(
      [
        'https://api.example.com',
        'https://*.example.com:*',
        'https://*.workers.dev',
        'http://127.0.0.1:9000',
        'https://*',
      ],
      ['http://127.0.0.1:11434', 'http://localhost:8080', 'https://*.workers.dev', 'http://169.254.169.254'],
    );
    expect(grants.map((g) => [g.source, g.effective, g.text])).toEqual([
      ['manifest', true, 'connect to https://api.example.com'],
      ['manifest', true, 'connect to any host under example.com (https, any port)'],
      ['manifest', true, 'connect to any host under workers.dev (https)'],
      [
        'manifest',
        false,
        "connect to http://127.0.0.1:9000: refused, a plugin's manifest cannot open loopback addresses; only your config can grant it (plugins.grants)",
      ],
      ['manifest', true, 'connect to any public host (https)'],
      ['user', true, 'connect to http://127.0.0.1:11434 (loopback/private: granted by your config)'],
      ['user', true, 'connect to http://localhost:8080 (loopback/private: granted by your config)'],
      ['user', true, 'connect to any host under workers.dev (https) (granted by your config)'],
      [
        'user',
        false,
        expect.stringContaining('connect to http://169.254.169.254: refused, can never be granted'),
      ],
    ]);
  });

  it('says why a manifest wildcard over a shared hosting suffix grants nothing', () => {
    const [github, amazon] = describeNetworkGrants(['https://*.github.io', 'https://*.amazonaws.com']);
    expect(github).toMatchObject({ effective: false });
    expect(github?.text).toContain(
      'github.io is a public suffix (in the private section of the Public Suffix List)',
    );
    expect(amazon?.text).toContain('amazonaws.com has public suffixes beneath it');
  });
});
