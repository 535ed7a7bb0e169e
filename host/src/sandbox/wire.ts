/**
 * Framing of protocol messages on the runner's dedicated pipe (fd 3), used by both sides. A frame is
 * `u32 header bytes | u32 payload bytes | header JSON | payload`, where the payload is the one plugin JSON string
 * a message carries (a call's request, a result's response, …) sent as is: it is never escaped into a second
 * JSON document, and the header stays small whatever the plugin returns.
 */

/** Fields that carry a plugin's JSON text; at most one is present in any message. */
const PAYLOAD_FIELDS = ['request', 'response', 'description'] as const;
/** Largest frame either side accepts; a bigger one is a protocol violation (the runner is killed). */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024 * 1024;

/** Encodes one message as a frame. */
export function encodeFrame(message: object): Buffer {
  let payload = '';
  let header: Record<string, unknown> = message as Record<string, unknown>;
  for (const field of PAYLOAD_FIELDS) {
    const value = header[field];
    if (typeof value !== 'string') continue;
    payload = value;
    header = { ...header, [field]: undefined, $p: field };
    break;
  }
  const headerText = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(headerText);
  const payloadBytes = Buffer.byteLength(payload);
  const frame = Buffer.allocUnsafe(8 + headerBytes + payloadBytes);
  frame.writeUInt32LE(headerBytes, 0);
  frame.writeUInt32LE(payloadBytes, 4);
  frame.write(headerText, 8, 'utf8');
  if (payloadBytes > 0) frame.write(payload, 8 + headerBytes, 'utf8');
  return frame;
}

/**
 * Reassembles frames from a byte stream. `onMessage` gets each message object; `onViolation` is told once
 * when the stream cannot be a valid frame sequence (the decoder then ignores the rest).
 */
export class FrameDecoder {
  readonly #onMessage: (message: unknown) => void;
  readonly #onViolation: (reason: string) => void;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #broken = false;

  constructor(onMessage: (message: unknown) => void, onViolation: (reason: string) => void) {
    this.#onMessage = onMessage;
    this.#onViolation = onViolation;
  }

  push(chunk: Buffer): void {
    if (this.#broken) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= 8) {
      const head = this.#peek(8);
      const headerBytes = head.readUInt32LE(0);
      const payloadBytes = head.readUInt32LE(4);
      if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes + payloadBytes > MAX_FRAME_BYTES) {
        this.#fail(`frame of ${headerBytes} + ${payloadBytes} bytes exceeds the limit`);
        return;
      }
      const total = 8 + headerBytes + payloadBytes;
      if (this.#buffered < total) return;
      const frame = this.#take(total);
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.toString('utf8', 8, 8 + headerBytes));
      } catch {
        this.#fail('frame header is not JSON');
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        this.#fail('frame header is not an object');
        return;
      }
      const message = parsed as Record<string, unknown>;
      const field = message.$p;
      if (typeof field === 'string' && (PAYLOAD_FIELDS as readonly string[]).includes(field)) {
        message[field] = frame.toString('utf8', 8 + headerBytes, total);
      }
      delete message.$p;
      this.#onMessage(message);
    }
  }

  #fail(reason: string): void {
    this.#broken = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.#onViolation(reason);
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) return first;
    const joined = Buffer.concat(this.#chunks);
    this.#chunks = [joined];
    return joined;
  }

  /** Consumes and returns the first `n` buffered bytes. */
  #take(n: number): Buffer {
    let first = this.#peek(n);
    if (first.length < n) first = Buffer.concat(this.#chunks);
    const frame = first.subarray(0, n);
    const rest = first.subarray(n);
    this.#chunks = rest.length > 0 ? [rest, ...this.#chunks.slice(1)] : this.#chunks.slice(1);
    this.#buffered -= n;
    return frame;
  }
}
