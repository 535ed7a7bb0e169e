import { RokuError } from '@roku/schemas';
import type { AgentStateView, RunRow, SessionRow, StoredMessage } from '@roku/host';
import { confirm, interactive } from '../lifecycle/prompt.js';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, withState } from './context.js';
import { age, jsonLine, oneLine, safe, table } from './render.js';

/** The session, or ROKU_SESSION_NOT_FOUND naming it. */
export function sessionOf(runtime: AgentStateView, id: string): SessionRow {
  const session = runtime.store.getSession(id);
  if (session === undefined) {
    throw new RokuError(
      'ROKU_SESSION_NOT_FOUND',
      `session "${id}" not found; list sessions with roku session list`,
      {
        details: { sessionId: id },
      },
    );
  }
  return session;
}

/** Sessions as a table: id, messages, last run status, age, name. */
export function sessionTable(sessions: readonly SessionRow[], current?: string): string {
  const now = Date.now();
  return table([
    ['ID', 'MESSAGES', 'LAST RUN', 'UPDATED', 'NAME'],
    ...sessions.map((s) => [
      `${s.id === current ? '* ' : ''}${s.id}`,
      String(s.messageCount),
      s.lastRunStatus ?? '-',
      `${age(s.updatedAt, now)} ago`,
      s.title === null ? '' : safe(s.title),
    ]),
  ]);
}

function messageLines(m: StoredMessage, max: number): string[] {
  const { message } = m;
  const head = `[${m.seq}] ${message.role}`;
  if (message.role === 'tool') {
    const error = message.isError === true ? ' error' : '';
    return [`${head} (${message.toolCallId ?? '?'})${error}: ${oneLine(message.content, max)}`];
  }
  const lines =
    message.content === ''
      ? []
      : [`${head}: ${max === Infinity ? safe(message.content) : oneLine(message.content, max)}`];
  for (const call of message.toolCalls ?? []) {
    lines.push(
      `${lines.length === 0 ? `${head}: ` : '    '}→ ${call.name} ${oneLine(call.arguments, max)} (${call.id})`,
    );
  }
  return lines.length === 0 ? [`${head}: (empty)`] : lines;
}

function runRows(runs: readonly RunRow[]): string[] {
  return table(
    runs.map((r) => [
      r.id,
      r.status,
      oneLine(r.goal, 60),
      r.errorCode === null ? '' : `${r.errorCode}: ${oneLine(r.errorMessage ?? '', 80)}`,
    ]),
  )
    .trimEnd()
    .split('\n')
    .map((l) => l.trimEnd());
}

/** A session as text: header, messages (roles, tool calls, results), runs with status. */
export function sessionText(
  detail: { session: SessionRow; messages: readonly StoredMessage[]; runs: readonly RunRow[] },
  options: { maxChars?: number; lastMessages?: number } = {},
): string {
  const { session, messages, runs } = detail;
  const max = options.maxChars ?? Infinity;
  const shown = options.lastMessages === undefined ? messages : messages.slice(-options.lastMessages);
  const out = [
    `session ${safe(session.id)}${session.title === null ? '' : ` "${safe(session.title)}"`}`,
    `  ${session.messageCount} messages · ${runs.length} runs · created ${new Date(session.createdAt).toISOString()} · updated ${new Date(session.updatedAt).toISOString()}`,
    '',
    shown.length < messages.length ? `messages (last ${shown.length} of ${messages.length}):` : 'messages:',
    ...(shown.length === 0 ? ['  (none)'] : shown.flatMap((m) => messageLines(m, max).map((l) => `  ${l}`))),
    '',
    'runs:',
    ...(runs.length === 0 ? ['  (none)'] : runRows(runs).map((l) => `  ${l}`)),
  ];
  return `${out.join('\n')}\n`;
}

export async function sessionListCommand(
  io: AgentIo,
  configFile: string | undefined,
  json: boolean,
): Promise<number> {
  return withState(io, configFile, ({ state: runtime }) => {
    const sessions = runtime.sessions();
    if (json) io.stdout(jsonLine({ ok: true, sessions }));
    else io.stdout(sessions.length === 0 ? 'no sessions\n' : sessionTable(sessions));
    return AGENT_EXIT.ok;
  });
}

export async function sessionShowCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  json: boolean,
): Promise<number> {
  return withState(io, configFile, ({ state: runtime }) => {
    sessionOf(runtime, id);
    const detail = runtime.session(id);
    if (json) io.stdout(jsonLine({ ok: true, ...detail }));
    else io.stdout(sessionText(detail));
    return AGENT_EXIT.ok;
  });
}

/** `roku session delete <id>`: asks on a terminal; without one, only with --yes. */
export async function sessionDeleteCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  opts: { yes: boolean; json: boolean },
): Promise<number> {
  return withState(io, configFile, async ({ state: runtime }) => {
    const session = sessionOf(runtime, id);
    if (!opts.yes) {
      if (!interactive(io)) {
        throw new RokuError(
          'ROKU_CLI_USAGE',
          `session delete: not deleting "${id}" without confirmation: standard input is not a terminal; rerun with --yes`,
        );
      }
      const question = `Delete session ${id} (${session.messageCount} messages) with its runs, traces and pending approvals? [y/N] `;
      if (!(await confirm(io, question))) {
        io.stderr(`not deleted: ${id}\n`);
        return AGENT_EXIT.failed;
      }
    }
    runtime.deleteSession(id);
    io.stdout(opts.json ? jsonLine({ ok: true, deleted: id }) : `deleted session ${safe(id)}\n`);
    return AGENT_EXIT.ok;
  });
}

/** `roku session rename <id> <name>`: names a session (1-50 characters), shown beside its id. */
export async function sessionRenameCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  name: string,
  json: boolean,
): Promise<number> {
  return withState(io, configFile, ({ state: runtime }) => {
    sessionOf(runtime, id);
    runtime.store.setSessionTitle(id, name);
    const named = runtime.store.getSession(id)?.title ?? name;
    io.stdout(
      json ? jsonLine({ ok: true, id, name: named }) : `session ${safe(id)} is now named "${safe(named)}"\n`,
    );
    return AGENT_EXIT.ok;
  });
}
