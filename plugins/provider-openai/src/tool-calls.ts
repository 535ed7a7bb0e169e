import type { ToolCall } from '@roku/plugin-api';
import type { EventPipe } from '@roku/plugin-api';

/** Tool calls as they stream in pieces: forwarded as deltas, assembled for the final answer. */
export class ToolCallAssembler {
  // By the stream's call index; a server may skip indexes.
  readonly #calls = new Map<number, { id: string; name: string; args: string }>();

  async add(
    events: EventPipe,
    index: number,
    piece: { id?: string | undefined; name?: string | undefined; args?: string | undefined },
  ): Promise<void> {
    let slot = this.#calls.get(index);
    if (slot === undefined) {
      slot = { id: '', name: '', args: '' };
      this.#calls.set(index, slot);
    }
    if (piece.id !== undefined && piece.id !== '') slot.id = piece.id;
    if (piece.name !== undefined) slot.name += piece.name;
    if (piece.args !== undefined) slot.args += piece.args;
    await events.send({
      type: 'tool-call-delta',
      index,
      ...(piece.id === undefined || piece.id === '' ? {} : { id: piece.id }),
      ...(piece.name === undefined || piece.name === '' ? {} : { name: piece.name }),
      ...(piece.args === undefined || piece.args === '' ? {} : { argumentsDelta: piece.args }),
    });
  }

  get size(): number {
    return this.#calls.size;
  }

  calls(): ToolCall[] {
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, c]) => c)
      .map((c, i) => ({
        id: c.id === '' ? `call_${i}` : c.id,
        name: c.name,
        arguments: parseArguments(c.args),
      }));
  }
}

/** The model's argument text as JSON; text that does not parse is kept so that the tool reports it. */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text.trim() === '' ? '{}' : text);
  } catch {
    return { _raw: text };
  }
}
