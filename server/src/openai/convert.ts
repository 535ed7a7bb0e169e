import { RokuError } from '@roku/schemas';
import type { ChatMessage } from '@roku/schemas';
import type { ServerRun } from '../runs/server-run.js';
import type { ServerContext } from '../context.js';

/** An OpenAI message or input item as clients send it (only the parts Roku uses are typed). */
export interface OpenAiMessage {
  readonly role?: string;
  readonly type?: string;
  readonly content?: unknown;
}

/** The text of OpenAI content: a string, or the text parts of an array (input_text, output_text, text). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const p = part as { type?: unknown; text?: unknown };
      return typeof p.text === 'string' ? p.text : '';
    })
    .join('');
}

/**
 * Splits a conversation into the messages that seed a new session and the goal (the last user message).
 * System and developer messages become system messages; assistant text is kept; tool traffic of the client's
 * own tools is not (the agent's tools run server-side). @throws ROKU_HTTP_INVALID_REQUEST
 */
export function splitConversation(
  messages: readonly OpenAiMessage[],
  where: string,
): { seed: ChatMessage[]; goal: string } {
  const last = messages.at(-1);
  const goal = textOf(last?.content).trim();
  if (last?.role !== 'user' || goal === '') {
    throw new RokuError(
      'ROKU_HTTP_INVALID_REQUEST',
      `${where}: the last message must be a user message with text`,
      {
        details: {
          issues: [{ path: `${where}/${messages.length - 1}`, message: 'must be a user message with text' }],
        },
      },
    );
  }
  const seed: ChatMessage[] = [];
  for (const m of messages.slice(0, -1)) {
    const text = textOf(m.content);
    if (text === '') continue;
    if (m.role === 'system' || m.role === 'developer') seed.push({ role: 'system', content: text });
    else if (m.role === 'user' || m.role === 'assistant') seed.push({ role: m.role, content: text });
  }
  return { seed, goal };
}

/** The model to run with: undefined (the configured default) for `roku` or the default alias. */
export function modelOf(model: string): string | undefined {
  return model === 'roku' || model === 'default' ? undefined : model;
}

/** What an OpenAI client is told when the run stopped on an approval: what, and how to decide it. */
export function approvalText(ctx: ServerContext, run: ServerRun): string {
  const id = run.result?.approvalId;
  const ticket = id === undefined ? undefined : ctx.runtime.store.getApproval(id);
  if (ticket === undefined) return run.result?.message ?? 'the run is waiting for an approval';
  return [
    `Approval needed: the agent wants to run the tool "${ticket.toolName}" with ${JSON.stringify(ticket.arguments)}.`,
    `Approve with POST /v1/approvals/${ticket.id}/approve {"digest":"${ticket.digest.slice(0, 16)}"} or reject with POST /v1/approvals/${ticket.id}/reject;`,
    `run ${run.id} then goes on (GET /v1/runs/${run.id}/events).`,
  ].join(' ');
}

/** The final text of a settled run, or an approval notice; undefined when it failed. */
export function finalText(ctx: ServerContext, run: ServerRun): string | undefined {
  if (run.status === 'awaiting_approval') return approvalText(ctx, run);
  if (run.status === 'succeeded') return run.result?.message ?? '';
  return undefined;
}

/** A failed or interrupted run as the error the facade answers with. */
export function runError(run: ServerRun): RokuError {
  const e = run.error ?? run.result?.error;
  return new RokuError(
    'ROKU_RUN_FAILED',
    `run ${run.id} ${run.status}: ${e?.message ?? run.result?.message ?? 'no answer'}`,
    { details: { runId: run.id, status: run.status, cause: e?.code ?? null } },
  );
}

/** Extra fields in facade answers, for clients that know Roku: the run, session and any approval. */
export function rokuFields(run: ServerRun): Record<string, unknown> {
  return {
    run_id: run.id,
    session_id: run.sessionId,
    status: run.status,
    approval_id: run.result?.approvalId ?? null,
  };
}
