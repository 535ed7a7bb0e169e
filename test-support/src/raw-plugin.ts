/**
 * The source of a test plugin written in plain JavaScript that speaks the plugin ABI itself (no SDK, no build
 * step), as a misbehaving third-party plugin could: one tool `t` whose handler is
 * `async function run(input, request)` with `body`; `cap(op, args)` calls a host capability and `sleep(ms)`
 * waits. An error the handler throws becomes the result's error, with its `code` or PLUGIN_ERROR.
 */
export function rawPluginSource(body: string, top = ''): string {
  return `'use strict';
const cap = async (op, args) => JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function run(input, request) {
${body}
}
globalThis.__roku_abi = {
  describe() {
    return JSON.stringify({ abi: 1, tools: ['t'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] });
  },
  async call(requestJson) {
    const request = JSON.parse(requestJson);
    try {
      const value = await run(request.input, request);
      return JSON.stringify({ ok: true, value: value === undefined ? null : value });
    } catch (e) {
      const code = e !== null && typeof e === 'object' && typeof e.code === 'string' ? e.code : 'PLUGIN_ERROR';
      return JSON.stringify({ ok: false, error: { code, message: String(e && e.message) } });
    }
  },
};
${top}
`;
}
