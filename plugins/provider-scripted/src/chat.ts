import { ProviderError } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, PluginContext } from '@roku/plugin-api';
import { ruleAnswer, stepAnswer } from './answer.js';
import { readConversation } from './conversation.js';
import { attemptFails, attemptsKey, fittingSteps } from './script.js';
import { readSettings } from './settings.js';
import { recordUse, unexpectedRequest } from './strict.js';
import { sleep, streamAnswer } from './stream.js';
import { estimateUsage } from './usage.js';

/**
 * The scripted provider's `chat`: picks the due script step (or the built-in rules), fails when the step says
 * so, streams the answer's deltas and returns the whole response. In strict mode a request without a due step
 * fails, and every due step is recorded.
 *
 * @throws ProviderError with the step's PROVIDER_* code; ROKU_SCRIPTED_BAD_SETTINGS for unusable settings;
 *   ROKU_SCRIPTED_UNEXPECTED_REQUEST in strict mode when no step is due.
 */
export async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const settings = readSettings(ctx.config);
  const conversation = readConversation(request);
  const fitting = fittingSteps(settings.script, conversation.lastUser);
  const due = fitting[conversation.stepIndex];
  if (settings.strict) {
    if (due === undefined) throw unexpectedRequest(conversation, fitting.length);
    await recordUse(ctx.kv, settings, due);
  }
  const step = due?.step;
  const delayMs = step?.delayMs ?? settings.delayMs;
  if (step?.error !== undefined) {
    const key = attemptsKey(request.sessionId ?? '', conversation.lastUser, conversation.stepIndex, step);
    if (await attemptFails(ctx.kv, key, step.failTimes)) {
      await sleep(delayMs);
      const { code, message, retryAfterMs } = step.error;
      throw new ProviderError(code, message, retryAfterMs === undefined ? {} : { retryAfterMs });
    }
  }
  if (step?.malformed === true) {
    await sleep(delayMs);
    // Deliberately not a ChatResponse, so that hosts can test their validation of provider output.
    return { message: 42 } as unknown as ChatResponse;
  }
  const answer =
    step === undefined ? ruleAnswer(request, conversation) : stepAnswer(step, request, conversation);
  const usage = step?.usage ?? estimateUsage(request, answer);
  await streamAnswer(ctx, answer, usage, { chunkChars: settings.chunkChars, delayMs });
  return {
    message: {
      role: 'assistant',
      content: answer.content,
      ...(answer.toolCalls.length === 0 ? {} : { toolCalls: answer.toolCalls }),
    },
    finishReason: answer.finishReason,
    usage,
    model: request.model,
  };
}
