// Blob, File, FormData and the Body mixin with Request / Response. In-memory; response bodies stream.
import { TextEncoder, TextDecoder } from '@exodus/bytes/encoding-lite.js';
import { toBytes, toText, bufferBytes } from './convert.js';
import { inherits } from './brand.js';
import { ReadableStream, ReadableStreamDefaultReader } from 'web-streams-polyfill';
import { Headers } from './headers.js';
import { AbortController, isAbortSignal } from './abort.js';
import { bytesToB64 } from './base64.js';
import { crypto } from './crypto.js';
import { JSONparse, JSONstringify } from './bridge.js';
import { guardPrototype, setBrand } from './brand.js';
import { loadedUrlClasses, urlClasses } from './url.js';

/** Every Blob/File, FormData and Request/Response the prelude made: the brands their members check. */
const BLOBS = new WeakSet();
const FORMS = new WeakSet();
const BODIES = new WeakSet();
const BLOB_BYTES = new WeakMap();

const encoder = new TextEncoder();
const ReflectApply = Reflect.apply;
const WeakSetHas = WeakSet.prototype.has;
const WeakMapGet = WeakMap.prototype.get;
const isBlob = (x) => ReflectApply(WeakSetHas, BLOBS, [x]);
const isForm = (x) => ReflectApply(WeakSetHas, FORMS, [x]);
const isBody = (x) => ReflectApply(WeakSetHas, BODIES, [x]);
const isStream = (x) =>
  inherits(x, ReadableStream.prototype) &&
  ReflectApply(Object.prototype.hasOwnProperty, x, ['_readableStreamController']);
/** The bytes of a Blob the prelude made, kept out of the plugin's reach. */
export const blobBytes = (blob) => ReflectApply(WeakMapGet, BLOB_BYTES, [blob]);

export { toBytes };

export class Blob {
  constructor(parts = [], opts = {}) {
    BLOBS.add(this);
    const chunks = [];
    for (const p of parts) chunks.push(isBlob(p) ? blobBytes(p) : toBytes(p, 'a Blob part'));
    let n = 0;
    for (const b of chunks) n += b.length;
    const u = new Uint8Array(n);
    let o = 0;
    for (const b of chunks) {
      u.set(b, o);
      o += b.length;
    }
    BLOB_BYTES.set(this, u);
    this.type = opts.type ? toText(opts.type, 'Blob type').toLowerCase() : '';
  }
  get size() {
    return blobBytes(this).length;
  }
  async arrayBuffer() {
    return blobBytes(this).slice().buffer;
  }
  async bytes() {
    return blobBytes(this).slice();
  }
  async text() {
    return new TextDecoder().decode(blobBytes(this));
  }
  stream() {
    return bytesStream(blobBytes(this).slice());
  }
  slice(start, end, type) {
    const r = new Blob([], { type });
    BLOB_BYTES.set(r, blobBytes(this).slice(start, end));
    return r;
  }
  get [Symbol.toStringTag]() {
    return 'Blob';
  }
}

export class File extends Blob {
  constructor(parts, name, opts = {}) {
    super(parts, opts);
    this.name = toText(name, 'File name');
    this.lastModified = opts.lastModified ?? Date.now();
  }
  get [Symbol.toStringTag]() {
    return 'File';
  }
}

export class FormData {
  constructor() {
    FORMS.add(this);
    this._e = [];
  }
  _v(v, filename) {
    if (!isBlob(v)) return toText(v, 'a FormData value');
    if (inherits(v, File.prototype) && filename === undefined) return v;
    return new File([v], filename ?? (v.name || 'blob'), { type: v.type });
  }
  append(k, v, filename) {
    this._e.push([toText(k, 'a FormData name'), this._v(v, filename)]);
  }
  set(k, v, filename) {
    const key = toText(k, 'a FormData name');
    const i = this._e.findIndex((e) => e[0] === key);
    const entry = [key, this._v(v, filename)];
    this._e = this._e.filter((e) => e[0] !== key);
    this._e.splice(i < 0 ? this._e.length : i, 0, entry);
  }
  get(k) {
    const e = this._e.find((x) => x[0] === toText(k, 'a FormData name'));
    return e ? e[1] : null;
  }
  getAll(k) {
    return this._e.filter((e) => e[0] === toText(k, 'a FormData name')).map((e) => e[1]);
  }
  has(k) {
    return this._e.some((e) => e[0] === toText(k, 'a FormData name'));
  }
  delete(k) {
    this._e = this._e.filter((e) => e[0] !== toText(k, 'a FormData name'));
  }
  *entries() {
    for (const e of this._e) yield [e[0], e[1]];
  }
  keys() {
    return this._e.map((e) => e[0])[Symbol.iterator]();
  }
  values() {
    return this._e.map((e) => e[1])[Symbol.iterator]();
  }
  forEach(cb, thisArg) {
    for (const [k, v] of this._e) cb.call(thisArg, v, k, this);
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return 'FormData';
  }
}

function encodeMultipart(fd) {
  const boundary = `----RokuFormBoundary${bytesToB64(crypto.getRandomValues(new Uint8Array(12))).replace(/[+/=]/g, 'x')}`;
  const esc = (s) =>
    s
      .replace(/\r?\n|\r/g, '\r\n')
      .replace(/"/g, '%22')
      .replace(/\r\n/g, '%0D%0A');
  const parts = [];
  for (const [k, v] of fd) {
    if (typeof v === 'string') {
      parts.push(
        `--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"\r\n\r\n${v.replace(/\r?\n|\r/g, '\r\n')}\r\n`,
      );
    } else {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"; filename="${esc(v.name)}"\r\n`;
      parts.push(`${head}Content-Type: ${v.type || 'application/octet-stream'}\r\n\r\n`, v, '\r\n');
    }
  }
  parts.push(`--${boundary}--\r\n`);
  return { bytes: blobBytes(new Blob(parts)), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Normalizes a body init into bytes (or a stream) plus its implied content type; keeps strings as text. Only
 * the BodyInit types of the Fetch spec are accepted, each recognized by brand (not `instanceof`, which a
 * plugin can answer) and read with captured intrinsics, so no plugin callback (toString, getters) runs here.
 */
function extractBody(body) {
  if (body == null) return { bytes: null, text: null, type: null };
  if (typeof body === 'string')
    return { bytes: encoder.encode(body), text: body, type: 'text/plain;charset=UTF-8' };
  if (typeof body !== 'object')
    throw new TypeError(
      'a fetch body must be a string, buffer, Blob, FormData, URLSearchParams or ReadableStream',
    );
  const buffer = bufferBytes(body);
  if (buffer !== null) return { bytes: buffer.slice(), text: null, type: null };
  if (isBlob(body))
    return { bytes: blobBytes(body).slice(), text: null, type: toText(body.type, 'Blob type') || null };
  if (isForm(body)) return { ...encodeMultipart(body), text: null };
  if (isStream(body)) return { stream: body, text: null, type: null };
  // a URLSearchParams only exists once the classes were loaded (see url.js)
  const url = loadedUrlClasses();
  if (url !== undefined && inherits(body, url.URLSearchParams.prototype)) {
    // the captured toString checks the object is a real URLSearchParams (it throws otherwise)
    const text = url.searchParamsText(body);
    return { bytes: encoder.encode(text), text, type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  throw new TypeError(
    'a fetch body must be a string, buffer, Blob, FormData, URLSearchParams or ReadableStream',
  );
}

export const bytesStream = (u8) =>
  new ReadableStream({
    start(c) {
      if (u8.length) c.enqueue(u8);
      c.close();
    },
  });

// captured before plugin code runs: reading a body never calls a replaced stream or reader method
const getReader = ReadableStream.prototype.getReader;
const readerRead = ReadableStreamDefaultReader.prototype.read;

export async function readAll(stream) {
  if (!stream) return new Uint8Array(0);
  const reader = ReflectApply(getReader, stream, []);
  const read = () => ReflectApply(readerRead, reader, []);
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await read();
    if (done) break;
    const b = toBytes(value);
    parts.push(b);
    n += b.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Body state of every Request/Response, kept out of the plugin's reach: it could otherwise replace a body's
 * stream with an object whose methods the prelude would then call.
 */
const BODY_STATE = new WeakMap();

/** The body state of a Request/Response the prelude made: `{ stream, text, used }`. */
export const bodyOf = (r) => ReflectApply(WeakMapGet, BODY_STATE, [r]);

function initBody(self, body) {
  const e = extractBody(body);
  BODY_STATE.set(self, {
    stream: e.stream || (e.bytes ? bytesStream(e.bytes) : null),
    text: e.text,
    used: false,
  });
  return e.type;
}

async function consume(self) {
  const st = bodyOf(self);
  if (st.used) throw new TypeError('Body has already been consumed');
  st.used = true;
  return readAll(st.stream);
}

class Body {
  get body() {
    return bodyOf(this).stream;
  }
  get bodyUsed() {
    return bodyOf(this).used;
  }
  async arrayBuffer() {
    const b = await consume(this);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  async bytes() {
    return consume(this);
  }
  async text() {
    return new TextDecoder().decode(await consume(this));
  }
  async json() {
    return JSONparse(await this.text());
  }
  async blob() {
    // `headers` belongs to the Request or Response this body is part of
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the same object, typed for the check
    const self = /** @type {{ headers?: Headers }} */ (/** @type {unknown} */ (this));
    const type = (self.headers && self.headers.get('content-type')) || '';
    return new Blob([await consume(this)], { type });
  }
  async formData() {
    throw new TypeError('Body.formData() is not supported in Roku isolates');
  }
}

function teeInto(src, dst) {
  const from = bodyOf(src);
  const to = bodyOf(dst);
  if (!from.stream) return;
  const [a, b] = from.stream.tee();
  from.stream = a;
  to.stream = b;
}

/** A fetch input's URL text: a string, or a real URL read through the captured href getter. */
function urlText(input) {
  if (typeof input === 'string') return input;
  const url = loadedUrlClasses();
  if (url !== undefined && inherits(input, url.URL.prototype)) return url.href(input);
  throw new TypeError('fetch input must be a string, a URL or a Request');
}

/** What a Request was made with, out of the plugin's reach (read back through getters). */
const REQUEST_STATE = new WeakMap();
/** What a Request the prelude made carries: `{ url, method, headers, signal, redirect }`. */
export const requestOf = (r) => ReflectApply(WeakMapGet, REQUEST_STATE, [r]);

export class Request extends Body {
  constructor(input, init = {}) {
    super();
    BODIES.add(this);
    const base = isBody(input) && inherits(input, Request.prototype) ? requestOf(input) : null;
    // each init member is read once, then checked: a getter cannot answer the check and the use differently
    const { method, headers, signal: initSignal, redirect, body: initBodyValue } = init ?? {};
    const url = base ? base.url : new (urlClasses().URL)(urlText(input)).href;
    const verb = toText(method || (base && base.method) || 'GET', 'method').toUpperCase();
    const signal = initSignal || (base && base.signal) || new AbortController().signal;
    if (!isAbortSignal(signal)) throw new TypeError('signal must be an AbortSignal');
    const state = {
      url,
      method: verb,
      headers: new Headers(headers || (base && base.headers)),
      signal,
      redirect: toText(redirect || (base && base.redirect) || 'follow', 'redirect'),
    };
    REQUEST_STATE.set(this, state);
    const body = initBodyValue !== undefined ? initBodyValue : null;
    if (body != null && (verb === 'GET' || verb === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body');
    }
    if (body == null && base) {
      const from = bodyOf(input);
      BODY_STATE.set(this, { stream: from.stream, text: from.text, used: false });
    } else {
      const t = initBody(this, body);
      if (t && !state.headers.has('content-type')) state.headers.set('content-type', t);
    }
  }
  get url() {
    return requestOf(this).url;
  }
  get method() {
    return requestOf(this).method;
  }
  get headers() {
    return requestOf(this).headers;
  }
  get signal() {
    return requestOf(this).signal;
  }
  get redirect() {
    return requestOf(this).redirect;
  }
  get credentials() {
    return 'omit';
  }
  get cache() {
    return 'no-store';
  }
  get mode() {
    return 'cors';
  }
  clone() {
    const r = new Request(this, {});
    teeInto(this, r);
    return r;
  }
  get [Symbol.toStringTag]() {
    return 'Request';
  }
}

export class Response extends Body {
  /** @param {unknown} [body] */
  constructor(body = null, init = {}) {
    super();
    BODIES.add(this);
    const { status } = init;
    if (status !== undefined && typeof status !== 'number') throw new TypeError('status must be a number');
    this.status = status === undefined ? 200 : status | 0;
    if (this.status < 200 || this.status > 599) throw new RangeError(`Invalid status ${this.status}`);
    this.statusText = init.statusText === undefined ? '' : toText(init.statusText, 'statusText');
    this.headers = new Headers(init.headers);
    this.type = 'default';
    this.url = init.url || '';
    this.redirected = !!init.redirected;
    const t = initBody(this, body);
    if (t && !this.headers.has('content-type')) this.headers.set('content-type', t);
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  clone() {
    if (bodyOf(this).used) throw new TypeError('Body has already been consumed');
    const r = new Response(null, this);
    r.url = this.url;
    teeInto(this, r);
    return r;
  }
  static json(data, init = {}) {
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(JSONstringify(data), { ...init, headers });
  }
  static error() {
    const r = new Response(null, { status: 200 });
    r.status = 0;
    r.type = 'error';
    return r;
  }
  static redirect(url, status = 302) {
    return new Response(null, { status, headers: { location: new (urlClasses().URL)(url).href } });
  }
  get [Symbol.toStringTag]() {
    return 'Response';
  }
}

guardPrototype(Blob.prototype, 'Blob', setBrand(BLOBS));
guardPrototype(FormData.prototype, 'FormData', setBrand(FORMS));
guardPrototype(File.prototype, 'File', setBrand(BLOBS));
guardPrototype(Body.prototype, 'Body', setBrand(BODIES));
guardPrototype(Request.prototype, 'Request', setBrand(BODIES));
guardPrototype(Response.prototype, 'Response', setBrand(BODIES));
