import type { ToolSpec } from '@roku/schemas';

/** Pseudo-tools: handled by the loop itself, never by a plugin. */
export const PSEUDO_TOOLS = {
  finalAnswer: 'final_answer',
  askUser: 'ask_user',
  fail: 'fail',
  agent: 'Agent',
  toolSearch: 'tool_search',
} as const;

/** The pseudo-tools offered to the model, minus those excluded here (sub-agents get no Agent or ask_user). */
export function pseudoToolSpecs(exclude: ReadonlySet<string>, subagents: readonly string[]): ToolSpec[] {
  const specs: ToolSpec[] = [
    {
      name: PSEUDO_TOOLS.finalAnswer,
      description: 'Finish the task with this answer for the user.',
      inputSchema: {
        type: 'object',
        properties: { message: { type: 'string' } },
        required: ['message'],
        additionalProperties: false,
      },
    },
    {
      name: PSEUDO_TOOLS.fail,
      description: 'Give up: the task cannot be done. Say why.',
      inputSchema: {
        type: 'object',
        properties: { reason: { type: 'string' } },
        required: ['reason'],
        additionalProperties: false,
      },
    },
    {
      name: PSEUDO_TOOLS.askUser,
      description: 'Ask the user a question and stop until they answer.',
      inputSchema: {
        type: 'object',
        properties: { question: { type: 'string' } },
        required: ['question'],
        additionalProperties: false,
      },
    },
    {
      name: PSEUDO_TOOLS.agent,
      description:
        'Hand a self-contained sub-task to a sub-agent with a fresh context and a few steps of its own; returns its answer.',
      inputSchema: {
        type: 'object',
        properties: {
          task: { type: 'string' },
          ...(subagents.length === 0 ? {} : { runtime: { type: 'string', enum: [...subagents] } }),
        },
        required: ['task'],
        additionalProperties: false,
      },
    },
  ];
  return specs.filter((s) => !exclude.has(s.name));
}
