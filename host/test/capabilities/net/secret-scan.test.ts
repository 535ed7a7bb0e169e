import { describe, expect, it } from 'vitest';
import { createSecretScanner, secretMarker } from '../../../src/capabilities/net/secret-scan.js';

const SECRET = 'sk-live-0123456789abcdef';
const scanner = createSecretScanner(new Map([['KEY', SECRET]]));
const MARK = secretMarker('KEY');

function streamed(parts: Buffer[]): { text: string; releases: string[] } {
  const body = scanner.body();
  const releases = parts.map((p) => body.push(p).toString('latin1'));
  releases.push(body.end().toString('latin1'));
  return { text: releases.join(''), releases };
}

describe('secret scanning of responses', () => {
  it('finds the secret split at every byte position of a two-chunk body', () => {
    const text = Buffer.from(`a ${SECRET} b`);
    for (let cut = 0; cut <= text.length; cut += 1) {
      expect(streamed([text.subarray(0, cut), text.subarray(cut)]).text).toBe(`a ${MARK} b`);
    }
  });

  it('finds base64 of the secret at every offset inside a longer base64 text', () => {
    for (let pad = 0; pad < 6; pad += 1) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(`${'p'.repeat(pad)}${SECRET}tail`).toString(encoding);
        expect(scanner.redactText(encoded).found, `${encoding} after ${pad} bytes`).toEqual(['KEY']);
      }
    }
  });

  it('holds back only a tail that could still start a match, so streams without one lose no latency', () => {
    const { releases } = streamed([Buffer.from('data: {"token":"Hi"}\n\n'), Buffer.from('data: sk-li')]);
    expect(releases[0]).toBe('data: {"token":"Hi"}\n\n');
    expect(releases[1]).toBe('data: ');
    expect(releases[2]).toBe('sk-li');
  });

  it('ignores secrets too short to scan and is inactive without any', () => {
    expect(createSecretScanner(new Map([['PIN', '1234']])).active).toBe(false);
    expect(createSecretScanner(new Map()).active).toBe(false);
  });
});
