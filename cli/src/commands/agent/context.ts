import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILE_NAME, createAgentRuntime, loadConfig, openAgentState } from '@roku/host';
import type { AgentRuntime, AgentRuntimeOptions, AgentStateView } from '@roku/host';
import { cliConfig } from '../../config.js';
import { EXIT } from '../../io.js';
import { cliLogger } from '../../logger.js';
import { envWithStoredSecrets } from '../auth/store.js';
import type { LifecycleIo } from '../lifecycle/prompt.js';

/**
 * Exit codes of the agent commands: the shared ones, plus 3 when a run stopped on an approval ticket
 * (`roku run` without a terminal, `roku approval approve` when the resumed run pauses again).
 */
export const AGENT_EXIT = { ...EXIT, awaiting: 3 } as const;

/** What agent commands need beyond {@link LifecycleIo}. Tests pass their own. */
export interface AgentIo extends LifecycleIo {
  /** Builds the runtime; `createAgentRuntime` by default. */
  readonly createRuntime?: (options: AgentRuntimeOptions) => Promise<AgentRuntime>;
  /**
   * Whether the chat REPL may drive stdin as a terminal (raw mode, line editing, history keys, ctrl-C as a key).
   * Default: true when stdin is the process's own and is a TTY.
   */
  readonly terminal?: boolean;
}

export interface OpenRuntime {
  readonly runtime: AgentRuntime;
  /** approvals.autoApprove from the config, which ROKU_AUTO_APPROVE=true also sets. */
  readonly configAutoApprove: boolean;
  /** ROKU_HOME, absolute. */
  readonly home: string;
}

/** What `createAgentRuntime` gets for this invocation's config (also what `roku serve` starts with). */
export function runtimeOptions(
  io: AgentIo,
  configFile: string | undefined,
  command: string,
): AgentRuntimeOptions {
  const loaded = cliConfig(io, configFile);
  return {
    config: loaded.config,
    home: loaded.home,
    workspace: io.cwd,
    logger: cliLogger(io, configFile).child({ command }),
    // Plugins' secrets: $ROKU_HOME/auth.json (roku auth set), with environment variables winning.
    env: envWithStoredSecrets(loaded.home, io.env),
    // Watched even before it exists: writing $ROKU_HOME/config.json reaches a running session.
    configFile: loaded.file ?? join(loaded.home, CONFIG_FILE_NAME),
    // Not cached like cliConfig: a changed file must be read again.
    reloadConfig: () =>
      loadConfig({ env: io.env, ...(configFile === undefined ? {} : { file: configFile }) }).config,
  };
}

/**
 * Builds the agent runtime for this invocation's config, runs `use` and always closes the runtime afterwards
 * so sandbox child processes and watchers end with the command.
 */
export async function withRuntime<T>(
  io: AgentIo,
  configFile: string | undefined,
  command: string,
  use: (open: OpenRuntime) => T | Promise<T>,
): Promise<T> {
  const loaded = cliConfig(io, configFile);
  const options = runtimeOptions(io, configFile, command);
  const runtime = await (io.createRuntime ?? createAgentRuntime)(options);
  try {
    return await use({
      runtime,
      configAutoApprove: loaded.config.approvals?.autoApprove === true,
      home: loaded.home,
    });
  } finally {
    await runtime.close();
  }
}

/**
 * For commands that only read or delete sessions, tickets and traces: opens the state database alone, without
 * loading any plugin, and always closes it.
 */
export async function withState<T>(
  io: AgentIo,
  configFile: string | undefined,
  use: (open: { state: AgentStateView }) => T | Promise<T>,
): Promise<T> {
  const loaded = cliConfig(io, configFile);
  const state = openAgentState({ home: loaded.home, config: loaded.config });
  try {
    return await use({ state });
  } finally {
    state.close();
  }
}

/** `cli:<user>`: who decided an approval from this terminal. */
export function cliActor(io: AgentIo): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // userInfo throws for uids without a passwd entry (some containers).
    return `cli:${io.env.USER ?? io.env.LOGNAME ?? 'unknown'}`;
  }
}

/**
 * Calls `onInterrupt` on the first SIGINT until the returned function is called. Used while a one-shot run is
 * active so ctrl-C cancels the run (and the runtime still closes) instead of killing the process mid-write; a
 * second ctrl-C gets the default behaviour and ends the process.
 */
export function onInterrupt(onInterrupt: () => void): () => void {
  const handler = (): void => {
    onInterrupt();
  };
  process.once('SIGINT', handler);
  return () => {
    process.off('SIGINT', handler);
  };
}
