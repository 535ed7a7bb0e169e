import { describe, expect, it } from 'vitest';
import { FrameDecoder, MAX_FRAME_BYTES, encodeFrame } from '../../src/sandbox/wire.js';

function decodeAll(chunks: Buffer[]): { messages: unknown[]; violations: string[] } {
  const messages: unknown[] = [];
  const violations: string[] = [];
  const decoder = new FrameDecoder(
    (m) => messages.push(m),
    (r) => violations.push(r),
  );
  for (const chunk of chunks) decoder.push(chunk);
  return { messages, violations };
}

describe('the runner channel framing', () => {
  it('carries a plugin JSON payload as is, newlines and all, whatever way the bytes are split', () => {
    const response = JSON.stringify({ ok: true, value: 'line 1\nline 2 ✓ \u2028' });
    const frames = Buffer.concat([
      encodeFrame({ t: 'result', id: 7, ok: true, response, cpuMs: 0.5 }),
      encodeFrame({ t: 'stats' }),
    ]);
    for (const size of [1, 3, 8, 13, frames.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < frames.length; i += size) chunks.push(frames.subarray(i, i + size));
      expect(decodeAll(chunks)).toEqual({
        messages: [{ t: 'result', id: 7, ok: true, response, cpuMs: 0.5 }, { t: 'stats' }],
        violations: [],
      });
    }
  });

  it('reports a frame over the size limit or a header that is not a JSON object, and reads nothing after it', () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(10, 0);
    huge.writeUInt32LE(MAX_FRAME_BYTES, 4);
    const bad = Buffer.alloc(8 + 2);
    bad.writeUInt32LE(2, 0);
    bad.write('[]', 8);
    for (const first of [huge, bad]) {
      const { messages, violations } = decodeAll([first, encodeFrame({ t: 'stats' })]);
      expect(messages).toEqual([]);
      expect(violations).toHaveLength(1);
    }
  });

  it('carries calls and results, with or without their optional fields, as they were sent', () => {
    const messages = [
      { t: 'call', id: 1, pluginKey: 'p@1.0.0#1', request: '{"op":"tool:echo"}', session: 'sé ✓' },
      { t: 'call', id: 2 ** 40, pluginKey: 'p@1.0.0#1', request: '' },
      { t: 'result', id: 3, ok: true, response: '{"ok":true,"value":"ü"}', cpuMs: 0.25 },
      { t: 'result', id: 4, ok: true, response: '{}' },
      { t: 'result', id: 5, ok: false, error: { code: 'ROKU_SANDBOX_TIMEOUT', message: 'late' }, cpuMs: 1 },
      { t: 'result', id: 6, ok: true, response: '{}', extra: { description: 'kept' } },
    ];
    const frames = Buffer.concat(messages.map((m) => encodeFrame(m)));
    for (const size of [1, 5, 17, frames.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < frames.length; i += size) chunks.push(frames.subarray(i, i + size));
      expect(decodeAll(chunks)).toEqual({ messages, violations: [] });
    }
  });

  it('reports a call frame whose lengths do not add up', () => {
    const frame = encodeFrame({ t: 'call', id: 1, pluginKey: 'p', request: '{}', session: 's' });
    frame.writeUInt32LE(1000, 8 + 9);
    const { messages, violations } = decodeAll([frame, encodeFrame({ t: 'stats' })]);
    expect(messages).toEqual([]);
    expect(violations).toHaveLength(1);
  });
});
