// The plugin's door to the host: capability requests over `extism:host/user::roku_cap`, plus helpers on top.
import { Host, Memory } from '@extism/as-pdk';
import { length } from '@extism/as-pdk/lib/env';
import { roku_abort, roku_cap } from './imports';
import { JsonObject, jsonString } from './json';

function readAndFree(offset: u64): string {
  if (offset == 0) return '';
  const mem = new Memory(offset, length(offset));
  const text = mem.toString();
  mem.free();
  return text;
}

/** Sets the call's output as UTF-8 (as-pdk's `Host.outputString` mis-sizes non-ASCII text). */
export function outputUtf8(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

/**
 * Sends a capability request (`op` and its arguments as JSON, see the plugin ABI) and returns the host's
 * CapabilityResponse JSON: `{"ok":true,"value":…}` or `{"ok":false,"error":{"code":…,"message":…}}`.
 * Only valid during `call` (never at module top level).
 */
export function capability(op: string, argsJson: string): string {
  const request = Memory.allocateString('{"op":' + jsonString(op) + ',"args":' + argsJson + '}');
  const response = readAndFree(roku_cap(request.offset));
  request.free();
  return response;
}

/** Logs through the host (`log` capability); level is debug, info, warn or error. */
export function log(level: string, message: string): void {
  capability('log', '{"level":' + jsonString(level) + ',"message":' + jsonString(message) + '}');
}

/** The abort handler the build wires in (`--use abort=…/rokuAbort`): reports the message, then traps. */
export function rokuAbort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  const text =
    (message !== null ? message : 'abort') +
    ' at ' +
    (fileName !== null ? fileName : '?') +
    ':' +
    line.toString() +
    ':' +
    column.toString();
  roku_abort(Memory.allocateString(text).offset);
  unreachable();
}

function base64Value(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Decodes standard base64 (padding optional); stops at the first invalid character. */
export function base64Decode(s: string): Uint8Array {
  const out = new Uint8Array((s.length * 3) / 4 + 3);
  let n = 0;
  let acc: u32 = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const v = base64Value(s.charCodeAt(i));
    if (v < 0) break;
    acc = (acc << 6) | (<u32>v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = <u8>((acc >> bits) & 0xff);
    }
  }
  return out.subarray(0, n);
}

/** The result of {@link httpGet}: `error` is the host's error code when the request failed. */
export class HttpResponse {
  status: i32 = 0;
  body: string = '';
  error: string | null = null;
  message: string = '';
}

function failed(response: JsonObject, result: HttpResponse): bool {
  if (response.getBool('ok')) return false;
  const error = response.getObject('error');
  result.error = error !== null ? error.getString('code') : 'ROKU_CAPABILITY_FAILED';
  const message = error !== null ? error.getString('message') : null;
  result.message = message !== null ? message : '';
  return true;
}

/** GETs `url` through the host (`fetch.start` + `fetch.read`), reading at most `maxBytes` of the body as UTF-8. */
export function httpGet(url: string, maxBytes: i32): HttpResponse {
  const result = new HttpResponse();
  const args =
    '{"url":' + jsonString(url) + ',"method":"GET","headers":[],"body":null,"bodyEncoding":"utf8"}';
  const start = JsonObject.parse(capability('fetch.start', args));
  if (start === null) {
    result.error = 'ROKU_CAPABILITY_FAILED';
    return result;
  }
  if (failed(start, result)) return result;
  const value = start.getObject('value');
  if (value === null) return result;
  result.status = <i32>value.getInteger('status', 0);
  const streamId = value.getString('streamId');
  if (streamId === null) return result;
  const body = new Uint8Array(maxBytes);
  let used = 0;
  while (used < maxBytes) {
    const read = JsonObject.parse(capability('fetch.read', '{"streamId":' + jsonString(streamId) + '}'));
    if (read === null || failed(read, result)) return result;
    const chunk = read.getObject('value');
    if (chunk === null || chunk.getBool('done')) break;
    const encoded = chunk.getString('chunk');
    if (encoded === null) break;
    const bytes = base64Decode(encoded);
    const take = min(bytes.length, maxBytes - used);
    body.set(bytes.subarray(0, take), used);
    used += take;
  }
  if (used >= maxBytes) capability('fetch.cancel', '{"streamId":' + jsonString(streamId) + '}');
  result.body = String.UTF8.decode(body.subarray(0, used).slice().buffer);
  return result;
}
