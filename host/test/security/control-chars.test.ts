/**
 * Control and format characters from plugins: NUL, ESC and CSI, bidi overrides and isolates, zero-width and
 * tag characters, BOM and lone surrogates. Whatever way plugin text enters the host (a tool's answer through
 * callPlugin, emitted events, log lines, requests to host services such as the LLM), it arrives well-formed
 * with every such character escaped as visible text; tab, newline, CRLF and emoji joiners stay.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { pluginOp } from '@roku/schemas';
import { tempDir } from '@roku/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginHost } from '../../src/plugins/plugin-host.js';
import type { PluginHost } from '../../src/plugins/plugin-host.js';
import { callPlugin } from '../../src/plugins/call-plugin.js';
import { writePlugin } from './helpers.js';

/** Every class, each between markers so a test can find it. */
const HOSTILE =
  'nul[\u0000] esc[\u001b[2J] csi[\u009b31m] rlo[\u202e] lri[\u2066] pdi[\u2069] zwsp[\u200b] bom[\ufeff] ' +
  'tag[\u{e0041}\u{e0042}] lone[\ud800] cr[\r] ls[\u2028] del[\u007f] alm[\u061c]';
const KEPT = 'tab[\t] lf[\n] crlf[\r\n] family[👨\u200d👩\u200d👧] zwnj[\u200c]';
const ESCAPED =
  'nul[\\u0000] esc[\\u001B[2J] csi[\\u009B31m] rlo[\\u202E] lri[\\u2066] pdi[\\u2069] zwsp[\\u200B] bom[\\uFEFF] ' +
  'tag[\\u{E0041}\\u{E0042}] lone[\uFFFD] cr[\\u000D] ls[\\u2028] del[\\u007F] alm[\\u061C]';

/** Does `text` hold a character that must never come out of the boundary raw? */
function rawUnsafe(text: string): boolean {
  if (!text.isWellFormed()) return true;
  const points: number[] = [];
  for (const char of text) points.push(char.codePointAt(0) ?? 0);
  return points.some((cp, i) => {
    if (cp === 0x09 || cp === 0x0a || (cp === 0x0d && points[i + 1] === 0x0a)) return false;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
    if ([0x200b, 0x200e, 0x200f, 0xfeff, 0x061c].includes(cp)) return true;
    return (
      (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xe0000 && cp <= 0xe007f)
    );
  });
}

/** Every string and key inside a value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)]);
}

const lines: Record<string, unknown>[] = [];
const llmRequests: unknown[] = [];
let host: PluginHost;
let root = '';

beforeAll(() => {
  root = tempDir('control-chars');
  mkdirSync(join(root, 'plugins'));
  host = createPluginHost({
    logger: pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    home: join(root, 'home'),
    workspace: root,
    env: {},
    services: {
      llm: {
        chat: (request) => {
          llmRequests.push(request);
          return Promise.resolve({ message: { role: 'assistant', content: 'ok' } });
        },
      },
    },
  });
});
afterAll(async () => {
  await host.close();
});

const BODY = `const text = input.hostile + ' | ' + input.kept;
await cap('log', { level: 'warn', message: text, data: { [input.hostile]: text } });
await cap('emit', { event: { type: 'note', text, nested: [{ k: text }] } });
await cap('llm.chat', { request: { messages: [{ role: 'user', content: text }] } });
return { text, keys: { [input.hostile]: 1 }, list: [text, 42, null] };`;

describe('plugin text crossing into the host', () => {
  it('arrives escaped and well-formed through answers, events, logs and host services', async () => {
    const dir = writePlugin(join(root, 'plugins'), 'ctl', {
      body: BODY,
      permissions: { capabilities: { llm: true } },
    });
    const sandbox = await host.loadFolder(dir);
    const events: unknown[] = [];
    const answer = await callPlugin(
      sandbox,
      pluginOp('tool', 't'),
      { hostile: HOSTILE, kept: KEPT },
      {
        onEvent: (event) => events.push(event),
      },
    );
    const expected = `${ESCAPED} | ${KEPT}`;
    expect(answer).toEqual({ text: expected, keys: { [ESCAPED]: 1 }, list: [expected, 42, null] });
    expect(events).toEqual([{ type: 'note', text: expected, nested: [{ k: expected }] }]);
    expect(llmRequests).toEqual([{ messages: [{ role: 'user', content: expected }] }]);
    const logged = lines.find((l) => l.source === 'plugin');
    expect(logged?.msg).toBe(expected);
    expect(logged?.data).toEqual({ [ESCAPED]: expected });
    for (const text of strings([answer, events, llmRequests, logged]))
      expect(rawUnsafe(text), text).toBe(false);
  });
});
