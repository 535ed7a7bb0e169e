import type { BrokerServices } from '@roku/host';

/** What the stub services were asked, for checks that look at it. */
export interface ServiceLog {
  readonly llmCalls: unknown[];
  readonly toolCalls: { name: string; input: unknown }[];
}

/**
 * Host services for context engines and sub-agent runtimes under test: an LLM that answers every request with
 * `answer(request, n)` (default: a short summary text, no tool calls), an empty memory slot and tools that echo
 * their input. Only plugins granted the matching capability reach them; the grant checks stay the host's.
 */
export function stubServices(answer?: (request: unknown, n: number) => unknown): {
  services: BrokerServices;
  log: ServiceLog;
} {
  const log: ServiceLog = { llmCalls: [], toolCalls: [] };
  const services: BrokerServices = {
    llm: {
      chat(request) {
        log.llmCalls.push(request);
        const n = log.llmCalls.length;
        return Promise.resolve(
          answer?.(request, n) ?? {
            message: { role: 'assistant', content: `Summary ${n}: the conversation so far, in brief.` },
            finishReason: 'stop',
            usage: { inputTokens: 10, outputTokens: 10 },
          },
        );
      },
    },
    memory: {
      recall: () => Promise.resolve([]),
      write: () => Promise.resolve(),
    },
    tools: {
      invoke(name, input) {
        log.toolCalls.push({ name, input });
        return Promise.resolve({ ok: true, name, text: `stub result of ${name}` });
      },
    },
  };
  return { services, log };
}
