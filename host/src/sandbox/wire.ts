/**
 * Framing of protocol messages on the runner's dedicated pipe (fd 3), used by both sides. A frame is
 * `u32 header bytes | u32 payload bytes | header | payload`, where the payload is the one plugin JSON string
 * a message carries (a call's request, a result's response, …) sent as is: it is never escaped into a second
 * JSON document, and the header stays small whatever the plugin returns.
 *
 * The header is a JSON object, except for the two messages of every call, whose header is binary (it starts
 * with a kind byte, never `{`): a call (`1 | f64 id | u32 plugin key bytes | u32 session bytes or NO_SESSION |
 * plugin key | session`) and a successful result (`2 | f64 id | f64 cpuMs or NaN`). A field added to
 * CallMessage or ResultMessage must be added here too: a message of another shape goes as JSON.
 */

/** Fields that carry a plugin's JSON text; at most one is present in any message. */
const PAYLOAD_FIELDS = ['request', 'response', 'description'] as const;
/** Largest frame either side accepts; a bigger one is a protocol violation (the runner is killed). */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024 * 1024;

const CALL = 1;
const RESULT = 2;
const NO_SESSION = 0xffffffff;
const CALL_HEAD = 17;
const RESULT_HEAD = 17;

/** Encodes one message as a frame. */
export function encodeFrame(message: object): Buffer {
  const fields = message as Record<string, unknown>;
  const binary = binaryFrame(fields);
  if (binary !== undefined) return binary;
  let field: (typeof PAYLOAD_FIELDS)[number] | undefined;
  for (const name of PAYLOAD_FIELDS) {
    if (typeof fields[name] === 'string') {
      field = name;
      break;
    }
  }
  if (field === undefined) return frame(JSON.stringify(message), '');
  const payload = fields[field] as string;
  // the header is the message without its payload field, and `$p` naming that field appended by hand (the
  // header is an object, so it ends with `}`)
  const headerText = JSON.stringify(withoutField(fields, field));
  const withField = `${headerText.length > 2 ? `${headerText.slice(0, -1)},` : '{'}"$p":"${field}"}`;
  return frame(withField, payload);
}

/** A shallow copy of the message without `field` (only the rarer messages get here: calls go binary). */
function withoutField(message: Record<string, unknown>, field: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in message) if (key !== field) out[key] = message[key];
  return out;
}

const CALL_KEYS: ReadonlySet<string> = new Set(['t', 'id', 'pluginKey', 'request', 'session']);
const RESULT_KEYS: ReadonlySet<string> = new Set(['t', 'id', 'ok', 'response', 'cpuMs']);

/** True when every field of `m` that has a value is one of `keys`: a binary header would lose any other. */
function onlyKeys(m: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  for (const key in m) if (m[key] !== undefined && !keys.has(key)) return false;
  return true;
}

/** The frame of a call or a successful result with a binary header; undefined for any other message. */
function binaryFrame(m: Record<string, unknown>): Buffer | undefined {
  const { t, id } = m;
  if (typeof id !== 'number') return undefined;
  if (t === 'call') {
    const { pluginKey, request, session } = m;
    if (typeof pluginKey !== 'string' || typeof request !== 'string') return undefined;
    if ((session !== undefined && typeof session !== 'string') || !onlyKeys(m, CALL_KEYS)) return undefined;
    const keyBytes = Buffer.byteLength(pluginKey);
    const sessionBytes = session === undefined ? 0 : Buffer.byteLength(session);
    const headerBytes = CALL_HEAD + keyBytes + sessionBytes;
    const payloadBytes = Buffer.byteLength(request);
    const out = Buffer.allocUnsafe(8 + headerBytes + payloadBytes);
    out.writeUInt32LE(headerBytes, 0);
    out.writeUInt32LE(payloadBytes, 4);
    out[8] = CALL;
    out.writeDoubleLE(id, 9);
    out.writeUInt32LE(keyBytes, 17);
    out.writeUInt32LE(session === undefined ? NO_SESSION : sessionBytes, 21);
    out.write(pluginKey, 8 + CALL_HEAD, 'utf8');
    if (session !== undefined) out.write(session, 8 + CALL_HEAD + keyBytes, 'utf8');
    out.write(request, 8 + headerBytes, 'utf8');
    return out;
  }
  if (t === 'result') {
    const { ok, response, cpuMs } = m;
    if (ok !== true || typeof response !== 'string') return undefined;
    if ((cpuMs !== undefined && typeof cpuMs !== 'number') || !onlyKeys(m, RESULT_KEYS)) return undefined;
    const payloadBytes = Buffer.byteLength(response);
    const out = Buffer.allocUnsafe(8 + RESULT_HEAD + payloadBytes);
    out.writeUInt32LE(RESULT_HEAD, 0);
    out.writeUInt32LE(payloadBytes, 4);
    out[8] = RESULT;
    out.writeDoubleLE(id, 9);
    out.writeDoubleLE(cpuMs ?? Number.NaN, 17);
    out.write(response, 8 + RESULT_HEAD, 'utf8');
    return out;
  }
  return undefined;
}

function frame(headerText: string, payload: string): Buffer {
  const headerBytes = Buffer.byteLength(headerText);
  const payloadBytes = payload.length === 0 ? 0 : Buffer.byteLength(payload);
  const out = Buffer.allocUnsafe(8 + headerBytes + payloadBytes);
  out.writeUInt32LE(headerBytes, 0);
  out.writeUInt32LE(payloadBytes, 4);
  out.write(headerText, 8, 'utf8');
  if (payloadBytes > 0) out.write(payload, 8 + headerBytes, 'utf8');
  return out;
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
    let rest = chunk;
    if (this.#buffered === 0) {
      // the usual case: whole frames in one chunk, read in place without joining or slicing buffers
      let offset = 0;
      while (chunk.length - offset >= 8) {
        const total = this.#frameBytes(chunk, offset);
        if (total === undefined) return;
        if (chunk.length - offset < total) break;
        if (!this.#emit(chunk, offset, total)) return;
        offset += total;
      }
      if (offset === chunk.length) return;
      rest = offset === 0 ? chunk : chunk.subarray(offset);
    }
    this.#chunks.push(rest);
    this.#buffered += rest.length;
    while (this.#buffered >= 8) {
      const head = this.#peek(8);
      const total = this.#frameBytes(head, 0);
      if (total === undefined) return;
      if (this.#buffered < total) return;
      if (!this.#emit(this.#take(total), 0, total)) return;
    }
  }

  /** The length of the frame starting at `offset` (its first 8 bytes are there); undefined if it is refused. */
  #frameBytes(buffer: Buffer, offset: number): number | undefined {
    const headerBytes = buffer.readUInt32LE(offset);
    const payloadBytes = buffer.readUInt32LE(offset + 4);
    if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes + payloadBytes > MAX_FRAME_BYTES) {
      this.#fail(`frame of ${headerBytes} + ${payloadBytes} bytes exceeds the limit`);
      return undefined;
    }
    return 8 + headerBytes + payloadBytes;
  }

  /**
   * Decodes the whole frame at `buffer[start, start + total)` and hands its message on; false when the stream
   * broke (this frame was refused, or the message's handler closed the decoder).
   */
  #emit(buffer: Buffer, start: number, total: number): boolean {
    const headerBytes = buffer.readUInt32LE(start);
    const headerEnd = start + 8 + headerBytes;
    const kind = headerBytes > 0 ? buffer[start + 8] : undefined;
    if (kind === CALL || kind === RESULT) {
      const message = this.#binary(buffer, start + 8, headerEnd, start + total, kind);
      if (message === undefined) {
        this.#fail('binary frame header is malformed');
        return false;
      }
      this.#onMessage(message);
      return !this.#broken;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(buffer.toString('utf8', start + 8, headerEnd));
    } catch {
      this.#fail('frame header is not JSON');
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.#fail('frame header is not an object');
      return false;
    }
    const message = parsed as Record<string, unknown>;
    const field = message.$p;
    if (field !== undefined) {
      if (typeof field === 'string' && (PAYLOAD_FIELDS as readonly string[]).includes(field)) {
        message[field] = buffer.toString('utf8', headerEnd, start + total);
      }
      delete message.$p;
    }
    this.#onMessage(message);
    return !this.#broken;
  }

  /** A call or result from its binary header at `buffer[head, headerEnd)`; undefined when malformed. */
  #binary(buffer: Buffer, head: number, headerEnd: number, end: number, kind: number): object | undefined {
    const payload = buffer.toString('utf8', headerEnd, end);
    if (kind === RESULT) {
      if (headerEnd - head !== RESULT_HEAD) return undefined;
      const id = buffer.readDoubleLE(head + 1);
      const cpuMs = buffer.readDoubleLE(head + 9);
      return Number.isNaN(cpuMs)
        ? { t: 'result', id, ok: true, response: payload }
        : { t: 'result', id, ok: true, response: payload, cpuMs };
    }
    if (headerEnd - head < CALL_HEAD) return undefined;
    const id = buffer.readDoubleLE(head + 1);
    const keyBytes = buffer.readUInt32LE(head + 9);
    const sessionBytes = buffer.readUInt32LE(head + 13);
    const keyEnd = head + CALL_HEAD + keyBytes;
    const sessionEnd = keyEnd + (sessionBytes === NO_SESSION ? 0 : sessionBytes);
    if (sessionEnd !== headerEnd) return undefined;
    const pluginKey = buffer.toString('utf8', head + CALL_HEAD, keyEnd);
    return sessionBytes === NO_SESSION
      ? { t: 'call', id, pluginKey, request: payload }
      : { t: 'call', id, pluginKey, request: payload, session: buffer.toString('utf8', keyEnd, sessionEnd) };
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
