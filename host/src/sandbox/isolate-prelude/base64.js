// base64 <-> bytes, atob/btoa. Capabilities carry binary data (fetch bodies) as base64 strings.
import { DOMException } from './dom-exception.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64REV = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) B64REV[B64.charCodeAt(i)] = i;

export function bytesToB64(u8) {
  let out = '';
  let i = 0;
  const n = u8.length;
  for (; i + 2 < n; i += 3) {
    const v = (u8[i] << 16) | (u8[i + 1] << 8) | u8[i + 2];
    out += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
  }
  if (i < n) {
    const v = (u8[i] << 16) | ((i + 1 < n ? u8[i + 1] : 0) << 8);
    out += B64[v >> 18] + B64[(v >> 12) & 63] + (i + 1 < n ? B64[(v >> 6) & 63] : '=') + '=';
  }
  return out;
}

export function b64ToBytes(input) {
  let s = String(input).replace(/[\t\n\f\r ]+/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
    throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
  }
  const out = new Uint8Array((s.length * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    acc = ((acc << 6) | B64REV[s.charCodeAt(i)]) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

export function btoa(data) {
  const s = String(data);
  const u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new DOMException('Invalid character', 'InvalidCharacterError');
    u[i] = c;
  }
  return bytesToB64(u);
}

export function atob(data) {
  const u = b64ToBytes(data);
  let r = '';
  // apply takes any array-like; a chunk of the bytes is passed without copying it into an array
  for (let i = 0; i < u.length; i += 8192)
    r += String.fromCharCode.apply(
      null,
      /** @type {number[]} */ (/** @type {unknown} */ (u.subarray(i, i + 8192))),
    );
  return r;
}
