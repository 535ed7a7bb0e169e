import type { ChatRequest } from '@roku/schemas';
import { asRokuError } from '../abort.js';
import type { ModelChoice } from '../assembled.js';
import { applyContext } from './context-hook.js';
import type { AgentFrame, LoopRun } from './types.js';

export const EXPECTED_OUTPUT_TOKENS = 1024;

/** What a step sends and to which model. */
export interface ChosenModel {
  readonly model: ModelChoice;
  readonly request: ChatRequest;
  /** Estimated prompt tokens of `request` (after any compaction). */
  readonly estimated: number;
}

/** The model the user chose (`--model`, `/model`): kept even when a request does not fit it. */
function userModel(frame: AgentFrame): string | undefined {
  const { state } = frame;
  return state.model !== null && state.modelPinned && state.modelFromConfig !== true
    ? state.model
    : undefined;
}

/**
 * The model for a request of `estimated` tokens: the run's model when it fits; otherwise, unless the user chose
 * it, the best model that fits (a config default or an earlier step's model gives way, spec check 46).
 * @throws ROKU_NO_ELIGIBLE_MODEL, ROKU_MODEL_NOT_FOUND, ROKU_NO_PROVIDER
 */
function selectFor(run: LoopRun, frame: AgentFrame, estimated: number): ModelChoice {
  const { router } = run.env.snapshot;
  const size = {
    estimatedPromptTokens: Math.min(estimated, run.env.settings.contextWindowTokens - 1),
    expectedOutputTokens: EXPECTED_OUTPUT_TOKENS,
    provider: run.env.settings.provider,
  };
  const current = frame.state.model;
  if (current === null) return router.select(size);
  try {
    return router.select({ ...size, model: current });
  } catch (err) {
    if (asRokuError(err).code !== 'ROKU_NO_ELIGIBLE_MODEL' || userModel(frame) !== undefined) throw err;
    return router.select(size);
  }
}

/**
 * Chooses the model of a step after the context engine had its turn (spec checks 33, 46): a request that fits
 * a model goes through the engine's usual hook; one that fits none is compacted first, for the model it
 * would go to (the user's, else the one with the largest window), and eligibility is judged on what is left.
 * @throws ROKU_NO_ELIGIBLE_MODEL when even the compacted request fits no model
 */
export async function chooseModel(
  run: LoopRun,
  frame: AgentFrame,
  request: ChatRequest,
  estimated: number,
): Promise<ChosenModel> {
  const { snapshot } = run.env;
  let model: ModelChoice;
  try {
    model = selectFor(run, frame, estimated);
  } catch (err) {
    if (asRokuError(err).code !== 'ROKU_NO_ELIGIBLE_MODEL' || snapshot.context === undefined) throw err;
    const target = snapshot.router.roomiest(userModel(frame));
    const compacted = await applyContext(
      run,
      frame,
      { ...request, model: target.ref },
      target.contextWindow,
      true,
      estimated,
    );
    const left = snapshot.router.estimateRequestTokens(compacted);
    const chosen = selectFor(run, frame, left);
    if (!frame.state.modelPinned) frame.state.model = chosen.ref;
    return { model: chosen, request: { ...compacted, model: chosen.ref }, estimated: left };
  }
  // An auto-chosen model sticks for the run; a config default stays the first choice of every step.
  if (!frame.state.modelPinned) frame.state.model = model.ref;
  const routed = { ...request, model: model.ref };
  return {
    model,
    request: await applyContext(run, frame, routed, model.contextWindow, false, estimated),
    estimated,
  };
}
