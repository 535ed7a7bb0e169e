/*
 * Hosts no plugin may ever reach, whatever its manifest or the user's config grants: cloud metadata services
 * and link-local addresses. Manifest validation refuses patterns naming them and the host's network guard
 * refuses URLs and resolved addresses in them, so the list lives here, once. No Node built-ins: the SDK
 * bundles this package.
 */

/**
 * Names of cloud metadata services that only the cloud's own resolver answers (lower case, no trailing dot).
 * Public names that resolve into link-local (metadata.tencentyun.com, …) are refused by their address.
 */
export const METADATA_HOST_NAMES: readonly string[] = [
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
];

/** IPv4 addresses of metadata services outside link-local (Alibaba, Azure wire server, Oracle, …). */
const METADATA_V4 = new Set(['100.100.100.200', '168.63.129.16', '192.0.0.192']);
/** IPv6 addresses of metadata services (AWS IMDS over IPv6), as eight groups in hex. */
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']);

function v4Words(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** The eight groups of an IPv6 address in WHATWG form (compressed hex, no dotted tail), or undefined. */
function v6Words(text: string): number[] | undefined {
  const bare = text.replace(/^\[|\]$/g, '');
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined): number[] =>
    part === undefined || part === ''
      ? []
      : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  return words.every((w) => Number.isInteger(w)) ? words : undefined;
}

function v4Problem(quad: readonly number[]): string | undefined {
  const text = quad.join('.');
  if (quad[0] === 169 && quad[1] === 254) {
    return `${text} is link-local (169.254.0.0/16, where cloud metadata services answer)`;
  }
  if (METADATA_V4.has(text)) return `${text} is a cloud metadata service address`;
  return undefined;
}

/** The IPv4 address an IPv6 address embeds (mapped, compatible, NAT64, 6to4, Teredo), if any. */
function embeddedV4(w: readonly number[]): number[] | undefined {
  const quad = (hi: number, lo: number): number[] => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = w;
  const zero80 = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0;
  if (zero80 && (w5 === 0xffff || w5 === 0)) return quad(w6, w7);
  if (w0 === 0x64 && w1 === 0xff9b) return quad(w6, w7);
  if (w0 === 0x2002) return quad(w1, w2);
  if (w0 === 0x2001 && w1 === 0) return quad(w6 ^ 0xffff, w7 ^ 0xffff);
  return undefined;
}

function v6Problem(words: readonly number[], text: string): string | undefined {
  const [w0 = 0] = words;
  if ((w0 & 0xffc0) === 0xfe80) return `${text} is link-local (fe80::/10)`;
  if (METADATA_V6.has(words.map((w) => w.toString(16)).join(':'))) {
    return `${text} is a cloud metadata service address`;
  }
  const v4 = embeddedV4(words);
  const inner = v4 === undefined ? undefined : v4Problem(v4);
  return inner === undefined ? undefined : `${text} embeds ${inner.replace(' is ', ', which is ')}`;
}

/** A host name as URLs normalise it: IPv4 in every spelling becomes a dotted quad; no trailing dot. */
export function normaliseHostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/**
 * Why `host` (a name, an IPv4 address in any spelling, or a bracketed IPv6 address) can never be reached by a
 * plugin, or undefined when it may be granted: cloud metadata service names and addresses, and link-local
 * addresses, also when an IPv6 address embeds one (mapped, NAT64, 6to4, Teredo).
 */
export function forbiddenHostProblem(host: string): string | undefined {
  const name = normaliseHostName(host);
  if (name === undefined) return undefined;
  if (METADATA_HOST_NAMES.includes(name)) return `${name} is a cloud metadata service`;
  const quad = v4Words(name);
  if (quad !== undefined) return v4Problem(quad);
  if (name.startsWith('[')) {
    const words = v6Words(name);
    return words === undefined ? undefined : v6Problem(words, name);
  }
  return undefined;
}

/** Why the wildcard `*.<suffix>` would cover a cloud metadata service name, or undefined. */
export function forbiddenWildcardProblem(suffix: string): string | undefined {
  const base = normaliseHostName(suffix) ?? suffix.toLowerCase();
  const covered = METADATA_HOST_NAMES.find((name) => name.endsWith(`.${base}`));
  return covered === undefined ? undefined : `*.${base} covers ${covered}, a cloud metadata service`;
}
