import { RokuError } from '@roku/schemas';
import type { AgentSnapshot } from './assembled.js';

/**
 * Why a snapshot has no model, as the user can fix it: plugins left out for their settings are named with the
 * settings path and the problem (ROKU_CONFIG_INVALID: the config is what is wrong, not a missing install);
 * other left-out plugins are listed; with nothing left out, install a provider.
 */
/** A left-out plugin's problem without its trailing ` [ROKU_…]` code (the error carries its own). */
function problemText(problem: string | undefined): string {
  return (problem ?? '').replace(/ \[ROKU_[A-Z0-9_]+\]$/, '');
}

export function noProviderError(snapshot: AgentSnapshot): RokuError {
  const leftOut = snapshot.info.plugins.filter((p) => p.problem !== undefined);
  const settings = leftOut.filter((p) => p.problem?.startsWith('plugins.settings[') === true);
  if (settings.length > 0) {
    const listed = settings.map((p) => `${p.id} is left out: ${problemText(p.problem)}`).join('; ');
    return new RokuError(
      'ROKU_CONFIG_INVALID',
      `no LLM provider is loaded: ${listed}; fix these settings in the host config (roku doctor checks them)`,
      { details: { plugins: settings.map((p) => ({ pluginId: p.id, problem: p.problem })) } },
    );
  }
  const others =
    leftOut.length === 0
      ? ''
      : ` (left out: ${leftOut.map((p) => `${p.id}: ${problemText(p.problem)}`).join('; ')}; roku doctor says more)`;
  return new RokuError(
    'ROKU_NO_PROVIDER',
    `no LLM provider plugin is installed and enabled${others}; install one, e.g. roku plugin install @roku/plugin-provider-scripted`,
  );
}
