import type { ChatMessage, ToolCall } from '@roku/schemas';
import { RokuError } from '@roku/schemas';
import type { RunStatus } from '../events/loop-events.js';
import type { ApprovalRow, ApprovalStatus, RunRow, SessionRow, StoredMessage } from './types.js';

/** Session ids: 1–128 characters of letters, digits, dot, underscore, colon or dash. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Run ids name trace files (`<runId>.jsonl`): 1–128 characters of letters, digits, dot, underscore or dash. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export const FINISHED_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'interrupted'];

export function checkSessionId(id: string): void {
  if (!SESSION_ID_PATTERN.test(id)) {
    throw new RokuError(
      'ROKU_SESSION_INVALID_ID',
      `session id ${JSON.stringify(id.slice(0, 140))} must be 1-128 characters of letters, digits, ".", "_", ":" or "-"`,
      { details: { sessionId: id.slice(0, 140) } },
    );
  }
}

export function sessionNotFound(id: string): RokuError {
  return new RokuError('ROKU_SESSION_NOT_FOUND', `session ${JSON.stringify(id)} does not exist`, {
    details: { sessionId: id },
  });
}

export function runNotFound(id: string): RokuError {
  return new RokuError('ROKU_RUN_NOT_FOUND', `run ${JSON.stringify(id)} does not exist`, {
    details: { runId: id },
  });
}

export function approvalNotFound(id: string): RokuError {
  return new RokuError('ROKU_APPROVAL_NOT_FOUND', `approval ticket ${JSON.stringify(id)} does not exist`, {
    details: { approvalId: id },
  });
}

// JSON.stringify returns undefined for undefined, functions and symbols, whatever its declared type says
const stringify: (value: unknown) => string | undefined = JSON.stringify;

/** JSON text of a value for a TEXT column; `undefined` is stored as SQL NULL (read back as `null`). */
export function toJson(value: unknown): string | null {
  return stringify(value) ?? null;
}

export function fromJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export interface SessionDbRow {
  id: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  message_count: number;
  last_run_id: string | null;
  last_run_status: RunStatus | null;
}

export function toSession(row: SessionDbRow): SessionRow {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    messageCount: row.message_count,
    lastRunId: row.last_run_id,
    lastRunStatus: row.last_run_status,
  };
}

export interface MessageDbRow {
  session_id: string;
  seq: number;
  run_id: string | null;
  role: ChatMessage['role'];
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  is_error: number | null;
  created_at: number;
}

/** Message columns: optional ChatMessage fields are NULL when absent, so they round-trip as absent. */
export function messageColumns(message: ChatMessage): {
  role: ChatMessage['role'];
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  is_error: number | null;
} {
  return {
    role: message.role,
    content: message.content,
    tool_calls: message.toolCalls === undefined ? null : JSON.stringify(message.toolCalls),
    tool_call_id: message.toolCallId ?? null,
    is_error: message.isError === undefined ? null : message.isError ? 1 : 0,
  };
}

export function toStoredMessage(row: MessageDbRow): StoredMessage {
  const message: { -readonly [K in keyof ChatMessage]: ChatMessage[K] } = {
    role: row.role,
    content: row.content,
  };
  if (row.tool_calls !== null) message.toolCalls = JSON.parse(row.tool_calls) as ToolCall[];
  if (row.tool_call_id !== null) message.toolCallId = row.tool_call_id;
  if (row.is_error !== null) message.isError = row.is_error !== 0;
  return { sessionId: row.session_id, seq: row.seq, runId: row.run_id, message, createdAt: row.created_at };
}

/** The columns of a `RunDbRow`, in order. */
export const RUN_COLUMNS =
  'id, session_id, parent_run_id, goal, status, owner_pid, state, result_message, error_code, error_message, created_at, updated_at';

export interface RunDbRow {
  id: string;
  session_id: string;
  parent_run_id: string | null;
  goal: string;
  status: RunStatus;
  owner_pid: number | null;
  state: string | null;
  result_message: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
}

export function toRun(row: RunDbRow): RunRow {
  return {
    id: row.id,
    sessionId: row.session_id,
    parentRunId: row.parent_run_id,
    goal: row.goal,
    status: row.status,
    ownerPid: row.owner_pid,
    state: fromJson(row.state),
    resultMessage: row.result_message,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ApprovalDbRow {
  id: string;
  run_id: string;
  session_id: string;
  tool_call_id: string;
  tool_name: string;
  arguments: string;
  digest: string;
  risk: string;
  status: ApprovalStatus;
  decided_by: string | null;
  comment: string | null;
  created_at: number;
  decided_at: number | null;
  result: string | null;
  claim_pid: number | null;
  lease_until: number | null;
  note: string | null;
}

export function toApproval(row: ApprovalDbRow): ApprovalRow {
  return {
    id: row.id,
    runId: row.run_id,
    sessionId: row.session_id,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    arguments: fromJson(row.arguments),
    digest: row.digest,
    risk: JSON.parse(row.risk) as string[],
    status: row.status,
    decidedBy: row.decided_by,
    comment: row.comment,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    result: fromJson(row.result),
    claimPid: row.claim_pid,
    leaseUntil: row.lease_until,
    note: row.note,
  };
}

/** A positive integer limit, or -1 (SQLite: no limit) when absent or invalid. */
export function sqlLimit(limit: number | undefined): number {
  return limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : -1;
}

/** An approval ticket as clients see it (`roku approval show --json`, the HTTP API): the row's public fields. */
export function approvalView(row: ApprovalRow): Record<string, unknown> {
  return {
    id: row.id,
    status: row.status,
    sessionId: row.sessionId,
    runId: row.runId,
    toolName: row.toolName,
    arguments: row.arguments,
    risk: row.risk,
    digest: row.digest,
    createdAt: row.createdAt,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
    comment: row.comment,
    note: row.note,
  };
}
