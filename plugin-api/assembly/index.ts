// @roku/plugin-api/assembly: write Roku wasm plugins in AssemblyScript.
//
//   import { tool, Request, Result } from '@roku/plugin-api/assembly';
//   export { describe, call } from '@roku/plugin-api/assembly';
//   tool('greet', (req: Request): Result => Result.text('hello ' + req.inputString('name', 'world')));
//
// Build with `roku-plugin build .` (compiles assembly/index.ts to the manifest's runtime.entry).
import { Host } from '@extism/as-pdk';
import { JsonObject, jsonString } from './json';
import { outputUtf8 } from './host';

export { JsonObject, jsonString, jsonUnquote } from './json';
export { HttpResponse, base64Decode, capability, httpGet, log, outputUtf8, rokuAbort } from './host';

/** The plugin ABI version this library speaks. */
export const ABI_VERSION: i32 = 1;

/** One invocation: the `CallRequest` of the ABI, with its input and config kept as raw JSON. */
export class Request {
  constructor(
    public op: string,
    public callId: string,
    /** Raw JSON of the input (a tool's arguments object). */
    public inputJson: string,
    /** Raw JSON of the plugin's settings. */
    public configJson: string,
  ) {}

  /** The input as an object (empty when it is not one). */
  input(): JsonObject {
    const parsed = JsonObject.parse(this.inputJson);
    return parsed !== null ? parsed : new JsonObject();
  }

  /** A string field of the input, or `fallback`. */
  inputString(key: string, fallback: string): string {
    const value = this.input().getString(key);
    return value !== null ? value : fallback;
  }
}

/** What a handler returns: a value (as JSON) or an error it raises on purpose. */
export class Result {
  constructor(
    public ok: bool,
    public json: string,
  ) {}

  /** A value given as JSON text. */
  static ok(valueJson: string): Result {
    return new Result(true, valueJson);
  }

  /** A string value. */
  static text(value: string): Result {
    return new Result(true, jsonString(value));
  }

  /** A deliberate failure; the host reports it as ROKU_PLUGIN_FAILED with this code. */
  static error(code: string, message: string): Result {
    return new Result(false, '{"code":' + jsonString(code) + ',"message":' + jsonString(message) + '}');
  }

  toResponse(): string {
    return this.ok ? '{"ok":true,"value":' + this.json + '}' : '{"ok":false,"error":' + this.json + '}';
  }
}

export type Handler = (req: Request) => Result;

const toolNames = new Array<string>();
const toolHandlers = new Array<Handler>();

/** Registers a tool handler; call it at module top level, once per tool the manifest declares. */
export function tool(name: string, handler: Handler): void {
  toolNames.push(name);
  toolHandlers.push(handler);
}

/** ABI export: prints the PluginDescription JSON. Re-export it from the plugin's entry file. */
export function describe(): i32 {
  const names = new Array<string>();
  for (let i = 0; i < toolNames.length; i++) names.push(jsonString(toolNames[i]));
  outputUtf8(
    '{"abi":' +
      ABI_VERSION.toString() +
      ',"tools":[' +
      names.join(',') +
      '],"providers":[],"memorySlot":null,"contextEngine":null,"subagentRuntimes":[]}',
  );
  return 0;
}

function dispatch(request: JsonObject): Result {
  const op = request.getString('op');
  if (op === null) return Result.error('ROKU_PLUGIN_BAD_REQUEST', 'the call request has no op');
  const callId = request.getString('callId');
  const input = request.raw('input');
  const config = request.raw('config');
  const req = new Request(
    op,
    callId !== null ? callId : '',
    input !== null ? input : 'null',
    config !== null ? config : 'null',
  );
  if (op.startsWith('tool:')) {
    const i = toolNames.indexOf(op.substring(5));
    if (i >= 0) return toolHandlers[i](req);
  }
  return Result.error('ROKU_PLUGIN_NO_SUCH_OP', 'no handler for ' + op);
}

/** ABI export: reads a CallRequest, runs the handler, prints the CallResponse JSON. */
export function call(): i32 {
  const request = JsonObject.parse(Host.inputString());
  const result =
    request !== null
      ? dispatch(request)
      : Result.error('ROKU_PLUGIN_BAD_REQUEST', 'the call request is not a JSON object');
  outputUtf8(result.toResponse());
  return 0;
}
