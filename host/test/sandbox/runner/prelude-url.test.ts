/**
 * URL and URLSearchParams inside a plugin isolate (core-js's, see isolate-prelude/url.js, built with V8's own
 * Array.from in place of core-js's: build-prelude.mjs) parse as Node's native URL does: the same href and parts
 * for the URLs plugins and the SDKs they bundle build, and the same refusals.
 */
import ivm from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { Prelude } from '../../../src/sandbox/runner/isolate-setup.js';

const dist = new URL('../../../dist/sandbox/', import.meta.url);

/** [input, base] pairs: special and opaque schemes, hosts of every kind, code points beyond the BMP, dot segments. */
const CASES: readonly (readonly [string, string?])[] = [
  ['https://api.openai.com/v1/chat/completions'],
  ['chat/completions', 'http://127.0.0.1:45123/v1/'],
  ['/v1/messages?beta=true', 'https://api.anthropic.com'],
  ['../a/./b/../c?x=1&y=%20z#frag', 'https://example.com/p/q/r'],
  ['  \thttps://EXAMPLE.com:443/a b\n'],
  ['http://exämple.com/😀/ü?q=😀#😀'],
  ['https://user:p%40ss@host.example:8080/'],
  ['http://[::1]:3000/x'],
  ['http://0x7f.1/'],
  ['http://192.168.0.257/'],
  ['https:\\\\example.com\\a\\b'],
  ['mailto:someone@example.com'],
  ['data:text/plain,hello%20world'],
  ['file:///tmp/a%2Fb'],
  ['blob:https://example.com/uuid'],
  ['?only=query', 'https://example.com/path/file'],
  ['//other.example/x', 'https://example.com/'],
  ['http://a/' + 'x'.repeat(5000)],
  ['not a url'],
  ['http://exa mple.com/'],
  ['https://[::1'],
  ['', 'https://example.com/base?q#h'],
];

const PARTS = (u: URL): string[] => [
  u.href,
  u.origin,
  u.protocol,
  u.username,
  u.password,
  u.host,
  u.hostname,
  u.port,
  u.pathname,
  u.search,
  u.hash,
  JSON.stringify([...u.searchParams]),
];

function native(input: string, base?: string): string[] | 'invalid' {
  try {
    return PARTS(new URL(input, base));
  } catch {
    return 'invalid';
  }
}

describe('URL in a plugin isolate', () => {
  it('parses and serializes as Node does', async () => {
    const blob = await new Prelude(new URL('prelude.js', dist), new URL('prelude.snapshot', dist)).snapshot();
    expect(blob).toBeDefined();
    const isolate = new ivm.Isolate({ memoryLimit: 32, ...(blob === undefined ? {} : { snapshot: blob }) });
    try {
      const context = await isolate.createContext();
      const inIsolate = (await context.evalClosure(
        `const parts = (u) => [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
           u.pathname, u.search, u.hash, JSON.stringify([...u.searchParams])];
         return JSON.stringify(JSON.parse($0).map(([input, base]) => {
           try { return parts(new URL(input, base)); } catch { return 'invalid'; }
         }));`,
        [JSON.stringify(CASES)],
        { result: { copy: true } },
      )) as string;
      expect(JSON.parse(inIsolate)).toEqual(CASES.map(([input, base]) => native(input, base)));
    } finally {
      isolate.dispose();
    }
  });
});
