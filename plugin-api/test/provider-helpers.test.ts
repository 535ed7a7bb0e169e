import { describe, expect, it } from 'vitest';
import { reusedClient } from '../src/index.js';
import { createContext } from '../src/runtime/context.js';

describe('reusedClient', () => {
  it('gives the later calls of a realm the client the first one made, one per configuration', () => {
    let made = 0;
    const make = (): { n: number } => ({ n: ++made });
    const first = createContext('c1', {}, new AbortController().signal);
    const second = createContext('c2', {}, new AbortController().signal);
    const a = reusedClient(first, 'https://api.example/v1', make);
    expect(reusedClient(second, 'https://api.example/v1', make)).toBe(a);
    expect(reusedClient(second, 'https://other.example/v1', make)).not.toBe(a);
    expect(made).toBe(2);
  });

  it('makes a new client for a context whose fetch differs', () => {
    const make = (): object => ({});
    const a = reusedClient({ fetch: () => Promise.reject(new Error('one')) }, 'k', make);
    const b = reusedClient({ fetch: () => Promise.reject(new Error('two')) }, 'k', make);
    expect(b).not.toBe(a);
  });
});
