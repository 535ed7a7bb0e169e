import type { Command } from 'commander';
import { RokuError } from '@roku/schemas';
import type { MemoryRecord } from '@roku/schemas';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, withRuntime } from './context.js';
import { age, jsonLine, oneLine, safe, table } from './render.js';

/** The session whose session-scoped records `roku memory` sees (the chat default unless --session-id). */
const DEFAULT_SESSION = 'chat-default';
/** Records one recall returns at most (HARD_MAX_MEMORY_RECALL_TOP_K); a larger --limit is clamped. */
export const MEMORY_MAX_LIMIT = 64;
/** Records per page of `roku memory export`. */
const EXPORT_PAGE = 1000;

export interface MemoryFlags {
  readonly sessionId?: string;
  readonly json?: boolean;
}

function records(list: readonly MemoryRecord[], now = Date.now()): string {
  if (list.length === 0) return 'no memories\n';
  return table([
    ['SCORE', 'ID', 'SCOPE', 'UPDATED', 'TEXT'],
    ...list.map((r) => [
      r.score === undefined ? '-' : r.score.toFixed(3),
      safe(r.id ?? ''),
      r.scope ?? 'session',
      r.updatedAt === undefined && r.createdAt === undefined
        ? '-'
        : `${age(r.updatedAt ?? r.createdAt ?? now, now)} ago`,
      oneLine(r.text, 80),
    ]),
  ]);
}

/** `roku memory search [query]`: best matches first; an empty query lists the most recent. */
export async function memorySearchCommand(
  io: AgentIo,
  configFile: string | undefined,
  query: string,
  opts: MemoryFlags & { limit?: number },
): Promise<number> {
  const limit = Math.min(MEMORY_MAX_LIMIT, Math.max(1, opts.limit ?? MEMORY_MAX_LIMIT));
  return withRuntime(io, configFile, 'memory search', async ({ runtime }) => {
    const { pluginId, result } = await runtime.memory('memory.recall', {
      sessionId: opts.sessionId ?? DEFAULT_SESSION,
      query,
      limit,
    });
    io.stdout(opts.json === true ? jsonLine({ ok: true, slot: pluginId, records: result }) : records(result));
    return AGENT_EXIT.ok;
  });
}

let idCounter = Math.floor(Math.random() * 1_000_000);

/** `roku memory write <text>`: a workspace record (or the user's everywhere with --global); prints its id. */
export async function memoryWriteCommand(
  io: AgentIo,
  configFile: string | undefined,
  text: string,
  opts: MemoryFlags & { global?: boolean; tags?: string[]; importance?: number; id?: string },
): Promise<number> {
  if (text.trim() === '') throw new RokuError('ROKU_CLI_USAGE', 'memory write: the text is empty');
  if (opts.importance !== undefined && !(opts.importance >= 0 && opts.importance <= 1)) {
    throw new RokuError('ROKU_CLI_USAGE', 'memory write: --importance must be a number from 0 to 1');
  }
  idCounter = (idCounter + 1) % 1_000_000;
  const id = opts.id ?? `ltm-${Date.now()}-${String(idCounter).padStart(6, '0')}`;
  const record: MemoryRecord = {
    id,
    text,
    scope: opts.global === true ? 'user' : 'workspace',
    ...(opts.tags === undefined || opts.tags.length === 0 ? {} : { tags: opts.tags }),
    ...(opts.importance === undefined ? {} : { importance: opts.importance }),
  };
  return withRuntime(io, configFile, 'memory write', async ({ runtime }) => {
    const { pluginId } = await runtime.memory('memory.write', {
      sessionId: opts.sessionId ?? DEFAULT_SESSION,
      records: [record],
    });
    io.stdout(opts.json === true ? jsonLine({ ok: true, slot: pluginId, id }) : `${id}\n`);
    return AGENT_EXIT.ok;
  });
}

function notFound(id: string): RokuError {
  return new RokuError(
    'ROKU_MEMORY_NOT_FOUND',
    `memory: no record "${id}"; find ids with roku memory search`,
    {
      details: { id },
    },
  );
}

/** `roku memory show <id>`: one record in full. */
export async function memoryShowCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  opts: MemoryFlags,
): Promise<number> {
  return withRuntime(io, configFile, 'memory show', async ({ runtime }) => {
    const { result } = await runtime.memory('memory.recall', {
      sessionId: opts.sessionId ?? DEFAULT_SESSION,
      query: `id:${id}`,
      limit: 1,
    });
    const [record] = result;
    if (record === undefined) throw notFound(id);
    if (opts.json === true) io.stdout(jsonLine({ ok: true, record }));
    else {
      const when = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());
      io.stdout(
        [
          `id:         ${safe(record.id ?? id)}`,
          `scope:      ${record.scope ?? 'session'}`,
          `importance: ${record.importance ?? '-'}`,
          `tags:       ${safe((record.tags ?? []).join(', ')) || '-'}`,
          `created:    ${when(record.createdAt)}`,
          `updated:    ${when(record.updatedAt)}`,
          '',
          safe(record.text),
          '',
        ].join('\n'),
      );
    }
    return AGENT_EXIT.ok;
  });
}

/** `roku memory delete <id…>`: every id must exist; nothing is deleted when one does not. */
export async function memoryDeleteCommand(
  io: AgentIo,
  configFile: string | undefined,
  ids: readonly string[],
  opts: MemoryFlags,
): Promise<number> {
  const sessionId = opts.sessionId ?? DEFAULT_SESSION;
  return withRuntime(io, configFile, 'memory delete', async ({ runtime }) => {
    for (const id of ids) {
      const { result } = await runtime.memory('memory.recall', { sessionId, query: `id:${id}`, limit: 1 });
      if (result.length === 0) throw notFound(id);
    }
    await runtime.memory('memory.forget', { sessionId, ids: [...ids] });
    io.stdout(
      opts.json === true ? jsonLine({ ok: true, deleted: ids }) : `deleted ${ids.map(safe).join(', ')}\n`,
    );
    return AGENT_EXIT.ok;
  });
}

/** `roku memory export`: every record this workspace and session see, one JSON object per line. */
export async function memoryExportCommand(
  io: AgentIo,
  configFile: string | undefined,
  opts: MemoryFlags,
): Promise<number> {
  const sessionId = opts.sessionId ?? DEFAULT_SESSION;
  return withRuntime(io, configFile, 'memory export', async ({ runtime }) => {
    const seen = new Set<string>();
    for (let offset = 0; ; offset += EXPORT_PAGE) {
      // `offset` pages on in slots that support it (memory-sqlite); others return their first page again,
      // which ends the export at the first record seen twice.
      const input = { sessionId, limit: EXPORT_PAGE, offset };
      const { result } = await runtime.memory('memory.list', input);
      const fresh = result.filter((r) => r.id === undefined || !seen.has(r.id));
      for (const record of fresh) {
        if (record.id !== undefined) seen.add(record.id);
        io.stdout(jsonLine(record));
      }
      if (result.length < EXPORT_PAGE || fresh.length < result.length) break;
    }
    return AGENT_EXIT.ok;
  });
}

/** `roku memory search|write|show|delete|export`. */
export function registerMemoryCommands(
  program: Command,
  io: AgentIo,
  configFile: () => string | undefined,
  setExit: (code: number) => void,
): void {
  const memory = program
    .command('memory')
    .description("the memory slot's long-term records: search, write, show, delete, export");
  const scoped = (command: Command): Command =>
    command
      .option('--session-id <id>', 'session whose session-scoped records are included (default chat-default)')
      .option('--json', 'print JSON');
  scoped(
    memory
      .command('search')
      .description('records that match the words, best first; no words: the most recent')
      .argument('[query...]', 'words to look for (tag:<tag> filters by tag)')
      .option('--limit <n>', `most records to show (at most ${MEMORY_MAX_LIMIT})`, (v) =>
        Number.parseInt(v, 10),
      ),
  ).action(async (query: string[], opts: MemoryFlags & { limit?: number }) => {
    setExit(await memorySearchCommand(io, configFile(), query.join(' '), opts));
  });
  scoped(
    memory
      .command('write')
      .description('remember a text in this workspace (or everywhere with --global); prints its id')
      .argument('<text...>', 'what to remember')
      .option('--global', 'recall it in every workspace')
      .option('--tag <tag>', 'a tag (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--importance <n>', 'from 0 to 1 (default 0.5): ranks it higher', (v) => Number.parseFloat(v))
      .option('--id <id>', 'replace the record with this id'),
  ).action(
    async (
      text: string[],
      opts: MemoryFlags & { global?: boolean; tag?: string[]; importance?: number; id?: string },
    ) => {
      const { tag, ...rest } = opts;
      setExit(
        await memoryWriteCommand(io, configFile(), text.join(' '), {
          ...rest,
          ...(tag === undefined ? {} : { tags: tag }),
        }),
      );
    },
  );
  scoped(memory.command('show').description('one record in full').argument('<id>', 'record id')).action(
    async (id: string, opts: MemoryFlags) => {
      setExit(await memoryShowCommand(io, configFile(), id, opts));
    },
  );
  scoped(
    memory.command('delete').description('delete records by id').argument('<id...>', 'record ids'),
  ).action(async (ids: string[], opts: MemoryFlags) => {
    setExit(await memoryDeleteCommand(io, configFile(), ids, opts));
  });
  memory
    .command('export')
    .description('every record this workspace sees, one JSON object per line')
    .option('--session-id <id>', 'session whose session-scoped records are included (default chat-default)')
    .action(async (opts: MemoryFlags) => {
      setExit(await memoryExportCommand(io, configFile(), opts));
    });
}
