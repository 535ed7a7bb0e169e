import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The key of the approval question in a call's `inputRequests` / `inputResponses`. */
export const APPROVAL_KEY = 'roku_approval';

/** The form an MCP client shows its user: one yes/no. */
export const APPROVAL_SCHEMA: {
  type: 'object';
  properties: { approve: { type: 'boolean'; title: string; description: string } };
  required: string[];
} = {
  type: 'object',
  properties: {
    approve: {
      type: 'boolean',
      title: 'Run this call',
      description: 'Yes runs the call once, exactly as shown; no refuses it.',
    },
  },
  required: ['approve'],
};

/**
 * Binds an approval answer to the call it was asked about. The question goes out with a `requestState` that
 * is an HMAC of the call's digest under a key of this process; an answer comes back with the retried call,
 * and counts only when the state matches that call's digest, so a client cannot collect a yes for one call
 * and send it with another (the state is attacker-controlled input, see the MCP multi-round-trip pattern).
 */
export class ApprovalSeal {
  readonly #key = randomBytes(32);

  mint(digest: string): string {
    return createHmac('sha256', this.#key).update(digest).digest('base64url');
  }

  matches(state: unknown, digest: string): boolean {
    if (typeof state !== 'string') return false;
    const want = Buffer.from(this.mint(digest));
    const got = Buffer.from(state);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

/** The question the client's user sees. */
export function approvalMessage(tool: string, args: unknown, reason: string): string {
  let shown = JSON.stringify(args ?? {});
  if (shown.length > 2000) shown = `${shown.slice(0, 2000)}… (${shown.length} characters)`;
  return `Roku: allow the tool ${tool} to run (${reason})?\narguments: ${shown}`;
}

/**
 * The refusal a client gets when a call needs approval and it cannot ask its user: what to do instead.
 * `grant` names this server's own policy grant (e.g. `roku mcp serve --allow <tool>`).
 */
export function cannotAskMessage(
  tool: string,
  reason: string,
  grant: string,
  why = 'it does not declare the elicitation capability',
): string {
  return (
    `not run: ${tool} needs approval (${reason}) and this MCP client cannot ask its user (${why}). ` +
    `To approve it: use a client that supports MCP elicitation, or grant it by ` +
    `policy: ${grant}, or approvals.autoApprove in the Roku config (deny patterns still apply). ` +
    'Calls the agent itself makes are approved with roku approval approve <id>; no ticket was written for this one.'
  );
}
