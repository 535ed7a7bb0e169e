import type { ChatMessage, PluginContext } from '@roku/plugin-api';

/** The four sections a structured summary must have, in this order (validate_structured_summary). */
export const SUMMARY_SECTIONS = ['Task', 'Progress', 'Key facts', 'Next steps'] as const;
/** How the summariser's request starts (tests script the summariser by it). */
export const SUMMARIZE_REQUEST = 'Summarize the conversation below for the agent that continues it.';
/** Characters of one message the summariser sees at most. */
const MESSAGE_CHARS = 4000;

const INSTRUCTIONS = [
  'You compact the history of a conversation between a user and an AI agent so that the agent can continue.',
  `Answer with exactly these four sections as markdown headings, in order: ${SUMMARY_SECTIONS.map((s) => `## ${s}`).join(', ')}.`,
  "Under Task, quote the user's instructions and constraints word for word when they are short.",
  'Keep file names, commands, decisions and open questions. Do not invent anything.',
].join('\n');

export type SummaryOutcome =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly failure: 'timeout' | 'provider' | 'contract'; readonly detail: string };

function transcript(messages: readonly ChatMessage[], maxChars: number): string {
  const lines = messages.map((m) => {
    const calls = (m.toolCalls ?? [])
      .map((c) => ` [calls ${c.name} ${JSON.stringify(c.arguments ?? {})}]`)
      .join('');
    const text = m.content.length > MESSAGE_CHARS ? `${m.content.slice(0, MESSAGE_CHARS)}…` : m.content;
    return `${m.role}: ${text}${calls}`;
  });
  // Over budget, the oldest lines go first (MAX_DROP_OLDEST: the newest context matters most to continue).
  let total = lines.reduce((n, l) => n + l.length + 1, 0);
  while (lines.length > 1 && total > maxChars) total -= (lines.shift()?.length ?? 0) + 1;
  return lines.join('\n');
}

/** Whether a summary has the four sections as headings, in order. */
export function isStructured(text: string): boolean {
  let from = 0;
  for (const section of SUMMARY_SECTIONS) {
    const at = text.slice(from).search(new RegExp(`^#{1,6}\\s*${section}\\s*:?\\s*$`, 'im'));
    if (at < 0) return false;
    from += at + 1;
  }
  return true;
}

/**
 * L3b: asks the model (through the host's `llm` capability) for a structured summary of `discarded`, within
 * `timeoutMs`. Never throws: a timeout, a provider failure or an answer without the four sections is a failure.
 */
export async function summarize(
  ctx: PluginContext,
  discarded: readonly ChatMessage[],
  budgetChars: number,
  timeoutMs: number,
): Promise<SummaryOutcome> {
  const request = {
    model: '',
    maxTokens: 2048,
    messages: [
      { role: 'system' as const, content: INSTRUCTIONS },
      { role: 'user' as const, content: `${SUMMARIZE_REQUEST}\n\n${transcript(discarded, budgetChars)}` },
    ],
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<SummaryOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false, failure: 'timeout', detail: `no summary within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const call = ctx.llm.chat(request).then(
    (response): SummaryOutcome => {
      const text = response.message.content.trim();
      return isStructured(text)
        ? { ok: true, text }
        : {
            ok: false,
            failure: 'contract',
            detail: `the summary lacks the sections ${SUMMARY_SECTIONS.join(', ')}`,
          };
    },
    (err: unknown): SummaryOutcome => ({
      ok: false,
      failure: 'provider',
      detail: err instanceof Error ? err.message : String(err),
    }),
  );
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
