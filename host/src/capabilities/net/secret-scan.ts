/*
 * Secrets reflected back. The host substitutes secret values into request headers on the way out; a server
 * that echoes request headers (a debug endpoint, an error page) would hand them to the sandbox. Every
 * response of a plugin that holds secrets is scanned, headers and the streamed body, for each secret in the
 * encodings an echo plausibly uses, and each occurrence is replaced by a marker:
 *   - the raw UTF-8 bytes;
 *   - percent-encoded (encodeURIComponent, upper- and lower-case hex) and JSON-string-escaped forms;
 *   - base64 and base64url at each of the three byte alignments, so the secret is found inside a longer
 *     encoded text (e.g. a base64-encoded "Authorization: Bearer …").
 * Across chunk boundaries the body keeps back only the tail that could still begin a match (never more than
 * the longest encoded form less one byte), so a stream that does not end in a partial match loses no latency.
 * Not covered (documented): other transformations (hex, reversed, split, hashed, encrypted, compressed — the
 * host asks for identity encoding and refuses compressed bodies), partial echoes, and secrets shorter than
 * MIN_SCANNED_SECRET_BYTES, which would match ordinary text.
 */

/** Secrets shorter than this are not scanned for (they would be found in ordinary text). */
export const MIN_SCANNED_SECRET_BYTES = 8;

interface Needle {
  readonly name: string;
  readonly bytes: Buffer;
}

function base64Variants(value: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), value]).toString('base64');
    // Keep only the characters every bit of which comes from the secret itself.
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + value.length)) / 6);
    const core = encoded.slice(first, last);
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

function encodings(value: string): string[] {
  const raw = Buffer.from(value, 'utf8');
  const percent = encodeURIComponent(value);
  const forms = [
    value,
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    JSON.stringify(value).slice(1, -1),
    ...base64Variants(raw),
  ];
  return [...new Set(forms)].filter((form) => Buffer.byteLength(form, 'utf8') >= MIN_SCANNED_SECRET_BYTES);
}

export interface BodyRedactor {
  /** Takes the next chunk; returns what can be released now (secrets replaced, a possible match held back). */
  push(chunk: Buffer): Buffer;
  /** The body ended: releases what was held back. */
  end(): Buffer;
  /** Names of the secrets found so far. */
  readonly found: ReadonlySet<string>;
}

export interface SecretScanner {
  /** False when the plugin holds no secret long enough to scan for: responses pass untouched. */
  readonly active: boolean;
  /** `text` with every secret replaced by its marker (header values, status text, URLs). */
  redactText(text: string): { text: string; found: string[] };
  body(): BodyRedactor;
}

export function secretMarker(name: string): string {
  return `[secret ${name} redacted by roku]`;
}

/** Where the leftmost, longest needle occurs in `data` at or after `from`. */
function nextMatch(
  data: Buffer,
  needles: readonly Needle[],
  from: number,
): { at: number; needle: Needle } | undefined {
  let best: { at: number; needle: Needle } | undefined;
  for (const needle of needles) {
    const at = data.indexOf(needle.bytes, from);
    if (at < 0) continue;
    if (
      best === undefined ||
      at < best.at ||
      (at === best.at && needle.bytes.length > best.needle.bytes.length)
    ) {
      best = { at, needle };
    }
  }
  return best;
}

/** Length of the longest tail of `data` (after `from`) that is a proper prefix of some needle. */
function heldTail(data: Buffer, needles: readonly Needle[], from: number, longest: number): number {
  const max = Math.min(longest - 1, data.length - from);
  for (let k = max; k > 0; k -= 1) {
    const tail = data.subarray(data.length - k);
    if (needles.some((n) => n.bytes.length > k && n.bytes.subarray(0, k).equals(tail))) return k;
  }
  return 0;
}

function redact(
  data: Buffer,
  needles: readonly Needle[],
  found: Set<string>,
): { out: Buffer[]; rest: number } {
  const out: Buffer[] = [];
  let from = 0;
  for (;;) {
    const match = nextMatch(data, needles, from);
    if (match === undefined) break;
    out.push(data.subarray(from, match.at), Buffer.from(secretMarker(match.needle.name)));
    found.add(match.needle.name);
    from = match.at + match.needle.bytes.length;
  }
  return { out, rest: from };
}

/** Builds the scanner for the secrets a plugin may reference (name → value of those the host has). */
export function createSecretScanner(secrets: ReadonlyMap<string, string>): SecretScanner {
  const needles: Needle[] = [];
  for (const [name, value] of secrets) {
    if (Buffer.byteLength(value, 'utf8') < MIN_SCANNED_SECRET_BYTES) continue;
    for (const form of encodings(value)) needles.push({ name, bytes: Buffer.from(form, 'utf8') });
  }
  const longest = needles.reduce((max, n) => Math.max(max, n.bytes.length), 0);
  return {
    active: needles.length > 0,
    redactText(text) {
      if (needles.length === 0) return { text, found: [] };
      const found = new Set<string>();
      // Header values are Latin-1 strings of the bytes on the wire.
      const data = Buffer.from(text, 'latin1');
      const { out, rest } = redact(data, needles, found);
      if (found.size === 0) return { text, found: [] };
      out.push(data.subarray(rest));
      return { text: Buffer.concat(out).toString('latin1'), found: [...found] };
    },
    body() {
      const found = new Set<string>();
      let held: Buffer = Buffer.alloc(0);
      return {
        found,
        push(chunk) {
          if (needles.length === 0) return chunk;
          const data = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
          const { out, rest } = redact(data, needles, found);
          const keep = heldTail(data, needles, rest, longest);
          out.push(data.subarray(rest, data.length - keep));
          held = Buffer.from(data.subarray(data.length - keep));
          return out.length === 1 ? (out[0] ?? Buffer.alloc(0)) : Buffer.concat(out);
        },
        end() {
          const rest = held;
          held = Buffer.alloc(0);
          return rest;
        },
      };
    },
  };
}
