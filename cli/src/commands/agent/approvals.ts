import { RokuError } from '@roku/schemas';
import { approvalView, callDigest, canonicalJson } from '@roku/host';
import type { AgentStateView, ApprovalRow } from '@roku/host';
import { callLines } from './call-view.js';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, cliActor, withRuntime, withState } from './context.js';
import { driveOneShot } from './one-shot.js';
import { age, jsonLine, oneLine, safe, table, terminalJson } from './render.js';

/** Shortest digest prefix accepted by --digest. */
const MIN_DIGEST_PREFIX = 8;

/** What a listed ticket needs besides a decision: it may have run, or it was approved and its run stopped. */
function listMark(ticket: ApprovalRow): string {
  if (ticket.note?.startsWith('may have run') === true) return '[may have run] ';
  return ticket.status === 'approved' ? '[approved; resume it] ' : '';
}

/** `roku approval list [--all]`: pending tickets (every ticket with --all), oldest first. */
export async function approvalListCommand(
  io: AgentIo,
  configFile: string | undefined,
  opts: { all: boolean; json: boolean },
): Promise<number> {
  return withState(io, configFile, ({ state: runtime }) => {
    // Besides pending tickets: calls approved by a process that died before they ran, whose run waits to be
    // resumed (roku approval approve <id> finishes them).
    const stopped = opts.all
      ? []
      : runtime
          .approvals({ status: 'approved' })
          .filter((t) => runtime.store.getRun(t.runId)?.status === 'awaiting_approval');
    const rows = [...runtime.approvals(opts.all ? {} : { status: 'pending' }), ...stopped].sort(
      (a, b) => a.createdAt - b.createdAt,
    );
    if (opts.json) {
      io.stdout(jsonLine({ ok: true, approvals: rows.map(approvalView) }));
      return AGENT_EXIT.ok;
    }
    if (rows.length === 0) {
      io.stdout(opts.all ? 'no approval tickets\n' : 'no pending approvals\n');
      return AGENT_EXIT.ok;
    }
    const now = Date.now();
    io.stdout(
      table([
        ['ID', 'SESSION', 'RUN', 'TOOL', 'DIGEST', 'AGE', ...(opts.all ? ['STATUS'] : []), 'ARGS'],
        ...rows.map((r) => [
          r.id,
          r.sessionId,
          r.runId,
          r.toolName,
          r.digest.slice(0, 12),
          age(r.createdAt, now),
          ...(opts.all ? [r.status] : []),
          `${listMark(r)}${oneLine(r.arguments, 60)}`,
        ]),
      ]),
    );
    if (!opts.all) {
      io.stderr(
        'review a whole call with: roku approval show <id>; decide with: roku approval approve <id> --digest <hex>  or  roku approval reject <id>\n',
      );
    }
    return AGENT_EXIT.ok;
  });
}

/**
 * `roku approval show <id>`: the whole call a ticket asks about, readable and as the canonical JSON its digest
 * covers, with the digest checked against it, and the commands that decide it. Nothing is cut.
 */
export async function approvalShowCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  json: boolean,
): Promise<number> {
  return withState(io, configFile, ({ state }) => {
    const ticket = ticketOf(state, id);
    const canonical = canonicalJson({ tool: ticket.toolName, arguments: ticket.arguments });
    const matches = callDigest(ticket.toolName, ticket.arguments) === ticket.digest;
    if (json) {
      io.stdout(jsonLine({ ok: true, approval: approvalView(ticket), canonical, digestMatches: matches }));
      return AGENT_EXIT.ok;
    }
    const decided =
      ticket.decidedAt === null
        ? []
        : [
            `decided  ${new Date(ticket.decidedAt).toISOString()}${ticket.decidedBy === null ? '' : ` by ${safe(ticket.decidedBy)}`}${ticket.comment === null ? '' : `: ${oneLine(ticket.comment, 200)}`}`,
          ];
    const lines = [
      `ticket   ${ticket.id} (${ticket.status})`,
      `run      ${ticket.runId} of session ${safe(ticket.sessionId)}, asked ${age(ticket.createdAt)} ago`,
      `tool     ${safe(ticket.toolName)} [${safe(ticket.risk.join(', ') || 'unclassified')}]`,
      ...decided,
      ...(ticket.note === null ? [] : [`note     ${safe(ticket.note)}`]),
      'call:',
      ...callLines(ticket.arguments),
      'canonical JSON (what the digest covers):',
      terminalJson(canonical),
      `digest   ${ticket.digest} (sha256 of the canonical JSON: ${matches ? 'matches' : 'DOES NOT MATCH'})`,
    ];
    if (ticket.status === 'pending') {
      lines.push(`approve  roku approval approve ${ticket.id} --digest ${ticket.digest.slice(0, 16)}`);
      lines.push(`reject   roku approval reject ${ticket.id}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return AGENT_EXIT.ok;
  });
}

function ticketOf(runtime: AgentStateView, id: string): ApprovalRow {
  const ticket = runtime.store.getApproval(id);
  if (ticket === undefined) {
    throw new RokuError(
      'ROKU_APPROVAL_NOT_FOUND',
      `approval ticket "${id}" not found; list pending tickets with roku approval list`,
      { details: { approvalId: id } },
    );
  }
  return ticket;
}

/** The full digest to insist on, from a --digest value (the full hex or a prefix of at least 8). */
function expectedDigest(ticket: ApprovalRow, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const hex = given.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex) || hex.length < MIN_DIGEST_PREFIX || hex.length > 64) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `--digest: "${given}" is not a sha256 hex digest or a prefix of at least ${MIN_DIGEST_PREFIX} hex characters`,
    );
  }
  if (!ticket.digest.startsWith(hex)) {
    throw new RokuError(
      'ROKU_APPROVAL_DIGEST_MISMATCH',
      `approval ${ticket.id}: --digest ${hex} does not match the ticket's digest ${ticket.digest.slice(0, 12)}…; review the call again with roku approval show ${ticket.id}`,
      { details: { approvalId: ticket.id, expected: hex, actual: ticket.digest } },
    );
  }
  // The full digest: the runtime refuses if the ticket changed after it was read here.
  return ticket.digest;
}

export interface DecideOptions {
  readonly approved: boolean;
  readonly digest?: string;
  readonly comment?: string;
  readonly json: boolean;
}

/**
 * `roku approval approve|reject <id>`: decides the ticket and resumes its run in this process, shown like
 * `roku run` (interactive approvals on a terminal, else the run pauses again on the next ticket).
 * Exit codes as `roku run`: 0 succeeded, 3 paused again, 1 failed or interrupted.
 */
export async function approvalDecideCommand(
  io: AgentIo,
  configFile: string | undefined,
  id: string,
  opts: DecideOptions,
): Promise<number> {
  const verb = opts.approved ? 'approve' : 'reject';
  return withRuntime(io, configFile, `approval ${verb}`, async ({ runtime, configAutoApprove }) => {
    const ticket = ticketOf(runtime, id);
    // A ticket decided by a process that died before resuming its run is still resumable: the runtime
    // resumes the paused run without deciding again.
    const resumable = runtime.store.getRun(ticket.runId)?.status === 'awaiting_approval';
    if (ticket.status !== 'pending' && !resumable) {
      throw new RokuError(
        'ROKU_APPROVAL_ALREADY_DECIDED',
        `approval ${id} is already ${ticket.status}${ticket.decidedBy === null ? '' : ` (by ${ticket.decidedBy})`}; nothing to ${verb}`,
        { details: { approvalId: id, status: ticket.status } },
      );
    }
    const digest = expectedDigest(ticket, opts.digest);
    if (!opts.json) {
      io.stderr(
        `${opts.approved ? 'approving' : 'rejecting'} ${safe(ticket.toolName)} (ticket ${id}); resuming run ${ticket.runId} of session ${ticket.sessionId}\n`,
      );
    }
    const state = { autoApprove: configAutoApprove };
    return driveOneShot(io, runtime, state, opts.json, (handlers, approvalMode, signal) =>
      runtime.decideApproval(
        id,
        {
          approved: opts.approved,
          by: cliActor(io),
          ...(opts.comment === undefined ? {} : { comment: opts.comment }),
          ...(digest === undefined ? {} : { expectedDigest: digest }),
        },
        handlers,
        { approvalMode, signal },
      ),
    );
  });
}
