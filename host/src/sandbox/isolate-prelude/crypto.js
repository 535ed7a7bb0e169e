// crypto.getRandomValues / randomUUID with bytes from node:crypto in the runner.
import { hostSync } from './bridge.js';
import { b64ToBytes } from './base64.js';
import { DOMException } from './dom-exception.js';

export const crypto = {
  /**
   * @template {ArrayBufferView} T
   * @param {T} arr
   * @returns {T}
   */
  getRandomValues(arr) {
    if (
      !ArrayBuffer.isView(arr) ||
      arr instanceof Float32Array ||
      arr instanceof Float64Array ||
      arr instanceof DataView
    ) {
      throw new TypeError('The data argument must be an integer-type TypedArray');
    }
    if (arr.byteLength > 65536)
      throw new DOMException('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
    const bytes = b64ToBytes(hostSync('random', arr.byteLength, 0, 0));
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
    return arr;
  },
  randomUUID() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
};
