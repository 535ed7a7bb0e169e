import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not a public unicast address, or undefined when it is one. */
export type AddressClass =
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'link-local'
  | 'shared (CGNAT)'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'IPv4-mapped'
  | 'IPv4-compatible'
  | 'IPv4-translated (NAT64)'
  | 'IPv4-embedding (6to4/Teredo)'
  | 'site-local'
  | 'invalid';

export interface EmbeddedV4 {
  readonly address: string;
  readonly special: AddressClass | undefined;
}

export interface AddressVerdict {
  /** Undefined for a public unicast address. */
  readonly special: AddressClass | undefined;
  /** For IPv6 addresses that embed an IPv4 address: that address and its class. */
  readonly embedded?: EmbeddedV4;
}

function parseIPv4(text: string): number[] | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)
    ? parts
    : undefined;
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored), or undefined when it is not one. */
export function parseIPv6(input: string): number[] | undefined {
  const text = input.replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const quad = parseIPv4(v4[1] ?? '');
    if (quad === undefined) return undefined;
    tail.push(((quad[0] ?? 0) << 8) | (quad[1] ?? 0), ((quad[2] ?? 0) << 8) | (quad[3] ?? 0));
    head = text.slice(0, text.length - (v4[1] ?? '').length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = head.indexOf('::');
  let words: number[];
  if (gap >= 0) {
    const left = groups(head.slice(0, gap));
    const right = [...groups(head.slice(gap + 2)), ...tail];
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    words = [...groups(head), ...tail];
  }
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)
    ? words
    : undefined;
}

function inV4(parts: readonly number[], base: readonly number[], bits: number): boolean {
  const value = parts.reduce((acc, n) => acc * 256 + n, 0);
  const start = base.reduce((acc, n) => acc * 256 + n, 0);
  const size = 2 ** (32 - bits);
  return value >= start && value < start + size;
}

const V4_RANGES: readonly [readonly number[], number, AddressClass][] = [
  [[0, 0, 0, 0], 32, 'unspecified'],
  [[0, 0, 0, 0], 8, 'reserved'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared (CGNAT)'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'benchmarking'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function classifyV4(parts: readonly number[]): AddressClass | undefined {
  for (const [base, bits, label] of V4_RANGES) if (inV4(parts, base, bits)) return label;
  return undefined;
}

function v4FromWords(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function embeddedV4(address: string): EmbeddedV4 {
  const parts = parseIPv4(address);
  return { address, special: parts === undefined ? 'invalid' : classifyV4(parts) };
}

function classifyV6(w: readonly number[]): AddressVerdict {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = w;
  const zeroPrefix80 = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0;
  if (zeroPrefix80 && w5 === 0 && w6 === 0 && w7 === 0) return { special: 'unspecified' };
  if (zeroPrefix80 && w5 === 0 && w6 === 0 && w7 === 1) return { special: 'loopback' };
  if (zeroPrefix80 && w5 === 0xffff)
    return { special: 'IPv4-mapped', embedded: embeddedV4(v4FromWords(w6, w7)) };
  if (zeroPrefix80 && w5 === 0)
    return { special: 'IPv4-compatible', embedded: embeddedV4(v4FromWords(w6, w7)) };
  if (w0 === 0x64 && w1 === 0xff9b && (w2 === 0 || w2 === 1)) {
    return { special: 'IPv4-translated (NAT64)', embedded: embeddedV4(v4FromWords(w6, w7)) };
  }
  if (w0 === 0x2002)
    return { special: 'IPv4-embedding (6to4/Teredo)', embedded: embeddedV4(v4FromWords(w1, w2)) };
  if (w0 === 0x2001 && w1 === 0) {
    return {
      special: 'IPv4-embedding (6to4/Teredo)',
      embedded: embeddedV4(v4FromWords(w6 ^ 0xffff, w7 ^ 0xffff)),
    };
  }
  if ((w0 & 0xfe00) === 0xfc00) return { special: 'unique-local' };
  if ((w0 & 0xffc0) === 0xfe80) return { special: 'link-local' };
  if ((w0 & 0xffc0) === 0xfec0) return { special: 'site-local' };
  if ((w0 & 0xff00) === 0xff00) return { special: 'multicast' };
  if (w0 === 0x2001 && w1 === 0xdb8) return { special: 'documentation' };
  if (w0 === 0x3fff && (w1 & 0xf000) === 0) return { special: 'documentation' };
  // 2001::/23 holds IETF protocol assignments (ORCHID, AMT, benchmarking, …).
  if (w0 === 0x2001 && w1 < 0x200) return { special: 'reserved' };
  // Only 2000::/3 is allocated as global unicast; everything else (discard-only 100::/64, …) is reserved.
  if ((w0 & 0xe000) !== 0x2000) return { special: 'reserved' };
  return { special: undefined };
}

/**
 * Classifies a literal IP address. Anything not a public unicast address gets a class naming why;
 * IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are never public.
 */
export function classifyAddress(address: string): AddressVerdict {
  const v4 = parseIPv4(address);
  if (v4 !== undefined) return { special: classifyV4(v4) };
  const v6 = parseIPv6(address);
  if (v6 !== undefined) return classifyV6(v6);
  return { special: 'invalid' };
}

/** A canonical form for comparing two literal addresses (IPv6 expanded, zone dropped). */
export function canonicalAddress(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseIPv4(bare);
  if (v4 !== undefined) return v4.join('.');
  const v6 = parseIPv6(bare);
  return v6?.map((w) => w.toString(16)).join(':');
}

/** A short reason for messages, e.g. "link-local address" or "IPv4-mapped address (embeds 127.0.0.1: loopback)". */
export function describeVerdict(verdict: AddressVerdict): string {
  const base = `${verdict.special ?? 'public'} address`;
  const embedded = verdict.embedded;
  if (embedded === undefined) return base;
  return `${base} (embeds ${embedded.address}${embedded.special === undefined ? '' : `: ${embedded.special}`})`;
}
