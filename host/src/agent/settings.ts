import { RokuError } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';

/** The agent's numbers, with the schema's defaults (the validator fills them; the type cannot say so). */
export interface AgentSettings {
  readonly stepBudget: number;
  readonly recoveryBudget: number;
  readonly contextWindowTokens: number;
  readonly compactThresholdRatio: number;
  readonly defaultModel: string;
  /** `agent.provider`: the pinned provider, or '' for any. */
  readonly provider: string;
  readonly toolResultMaxChars: number;
  readonly deferToolsAboveTokens: number;
  readonly subagentMaxSteps: number;
  readonly subagentTimeoutMs: number;
  readonly subagentResultMaxChars: number;
  readonly providerTimeoutMs: number;
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerCooldownMs: number;
  readonly rememberExchanges: boolean;
  readonly autoApprove: boolean;
  readonly denyPatterns: readonly RegExp[];
  readonly memorySlot: string;
  readonly contextEngine: string;
  readonly traceMaxBytes: number;
  readonly traceRetentionDays: number;
}

export function agentSettings(config: ResolvedHostConfig): AgentSettings {
  const a = config.agent ?? {};
  return {
    stepBudget: a.stepBudget ?? 200,
    recoveryBudget: a.recoveryBudget ?? 5,
    contextWindowTokens: a.contextWindowTokens ?? 200_000,
    compactThresholdRatio: a.compactThresholdRatio ?? 0.75,
    defaultModel: a.defaultModel ?? '',
    provider: a.provider ?? '',
    toolResultMaxChars: a.toolResultMaxChars ?? 65_536,
    deferToolsAboveTokens: a.deferToolsAboveTokens ?? 20_000,
    subagentMaxSteps: a.subagentMaxSteps ?? 10,
    subagentTimeoutMs: a.subagentTimeoutMs ?? 120_000,
    subagentResultMaxChars: a.subagentResultMaxChars ?? 4000,
    providerTimeoutMs: a.providerTimeoutMs ?? 300_000,
    maxRetries: a.maxRetries ?? 5,
    initialBackoffMs: a.initialBackoffMs ?? 200,
    maxBackoffMs: a.maxBackoffMs ?? 30_000,
    breakerFailureThreshold: a.breakerFailureThreshold ?? 4,
    breakerCooldownMs: a.breakerCooldownMs ?? 30_000,
    rememberExchanges: a.rememberExchanges ?? false,
    autoApprove: config.approvals?.autoApprove ?? false,
    denyPatterns: (config.approvals?.denyPatterns ?? []).map((pattern, index) => {
      try {
        return new RegExp(pattern);
      } catch (err) {
        throw new RokuError(
          'ROKU_CONFIG_INVALID',
          `/approvals/denyPatterns/${index}: ${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message})`,
          {
            details: {
              issues: [{ path: `/approvals/denyPatterns/${index}`, message: (err as Error).message }],
            },
          },
        );
      }
    }),
    memorySlot: config.plugins?.memorySlot ?? '',
    contextEngine: config.plugins?.contextEngine ?? '',
    traceMaxBytes: config.storage?.traceMaxBytes ?? 4 * 1024 * 1024,
    traceRetentionDays: config.storage?.traceRetentionDays ?? 30,
  };
}
