/** Settings of the OpenAI provider (plugins.settings["@roku/plugin-provider-openai"]). */
export interface OpenAiSettings {
  /** API base URL; another origin must also be granted in plugins.grants. */
  readonly baseURL?: string;
  /** Which API serves a model: `auto` goes by the model's declared capabilities. */
  readonly api?: 'auto' | 'chat-completions' | 'responses';
  /** Reasoning effort for reasoning models. */
  readonly reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Reasoning summaries (Responses API). */
  readonly reasoningSummary?: 'auto' | 'concise' | 'detailed';
  /** SDK-level retries; the host's router already retries, so 0 by default. */
  readonly maxRetries?: number;
}

/** The settings object as the host passes it (validated against the configSchema). */
export function settingsOf(config: unknown): OpenAiSettings {
  return typeof config === 'object' && config !== null ? config : {};
}
