import type { Command } from 'commander';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { approvalDecideCommand, approvalListCommand, approvalShowCommand } from './approvals.js';
import { chatCommand } from './chat/repl.js';
import type { AgentIo } from './context.js';
import { runCommand } from './one-shot.js';
import { registerMemoryCommands } from './memory.js';
import { pipeCommand } from './pipe.js';
import {
  sessionDeleteCommand,
  sessionListCommand,
  sessionRenameCommand,
  sessionShowCommand,
} from './sessions.js';
import { traceCommand } from './trace.js';
import { modelsCommand } from './models.js';

export type { AgentIo } from './context.js';
export { AGENT_EXIT } from './context.js';

interface RunFlags {
  sessionId?: string;
  model?: string;
  json?: boolean;
  yesAlways?: boolean;
}

function runFlags(command: Command): Command {
  return command
    .option('--session-id <id>', 'session to continue, created when missing (default chat-default)')
    .option(
      '--model <ref>',
      'model as <provider>/<model> or a model id (default: the session’s, then the config’s)',
    )
    .option('--yes-always', 'approve every tool call without asking (also ROKU_AUTO_APPROVE=true)');
}

function picked(flags: RunFlags): { sessionId?: string; model?: string } {
  return {
    ...(flags.sessionId === undefined ? {} : { sessionId: flags.sessionId }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
  };
}

type ConfigFile = () => string | undefined;

/** `session list|show|rename|delete`. */
function registerSessionCommands(
  program: Command,
  agentIo: AgentIo,
  configFile: ConfigFile,
  setExit: (code: number) => void,
): Command {
  const session = program.command('session').description('list, show, name and delete chat sessions');
  session
    .command('list')
    .description('sessions with their message count, last run status and age')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await sessionListCommand(agentIo, configFile(), opts.json === true));
    });
  session
    .command('show')
    .description("a session's messages (roles, tool calls, results) and runs with their status")
    .argument('<id>', 'session id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      setExit(await sessionShowCommand(agentIo, configFile(), id, opts.json === true));
    });
  session
    .command('rename')
    .description('name a session (1-50 characters); the name is shown beside its id')
    .argument('<id>', 'session id')
    .argument('<name>', 'the name')
    .option('--json', 'print one JSON object')
    .action(async (id: string, name: string, opts: { json?: boolean }) => {
      setExit(await sessionRenameCommand(agentIo, configFile(), id, name, opts.json === true));
    });
  session
    .command('delete')
    .description('delete a session with its messages, runs, traces and pending approvals')
    .argument('<id>', 'session id')
    .option('--yes', 'delete without asking (required without a terminal)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      setExit(
        await sessionDeleteCommand(agentIo, configFile(), id, {
          yes: opts.yes === true,
          json: opts.json === true,
        }),
      );
    });

  return session;
}

/** `approval list|approve|reject`. */
function registerApprovalCommands(
  program: Command,
  agentIo: AgentIo,
  configFile: ConfigFile,
  setExit: (code: number) => void,
): Command {
  const approval = program
    .command('approval')
    .description('review and decide tool calls waiting for approval');
  approval
    .command('list')
    .description('pending approval tickets: id, session, run, tool, digest prefix, age')
    .option('--all', 'every ticket, decided ones included')
    .option('--json', 'print one JSON object')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      setExit(
        await approvalListCommand(agentIo, configFile(), {
          all: opts.all === true,
          json: opts.json === true,
        }),
      );
    });
  approval
    .command('show')
    .description('the whole call of a ticket, its canonical JSON and digest, and how to decide it')
    .argument('<id>', 'approval ticket id')
    .option('--json', 'print one JSON object: the ticket, its canonical JSON and whether the digest matches')
    .action(async (id: string, opts: { json?: boolean }) => {
      setExit(await approvalShowCommand(agentIo, configFile(), id, opts.json === true));
    });
  for (const approved of [true, false]) {
    const verb = approved ? 'approve' : 'reject';
    const command = approval
      .command(verb)
      .description(
        approved
          ? 'approve a ticket: the exact call runs once and its run resumes here'
          : 'reject a ticket: the model is told and its run resumes here',
      )
      .argument('<id>', 'approval ticket id')
      .option('--comment <text>', 'why, recorded on the ticket')
      .option('--json', 'print the resumed run’s result as one JSON object');
    if (approved)
      command.option('--digest <hex>', 'refuse unless the call’s digest is this (or starts with it)');
    command.action(async (id: string, opts: { comment?: string; digest?: string; json?: boolean }) => {
      setExit(
        await approvalDecideCommand(agentIo, configFile(), id, {
          approved,
          json: opts.json === true,
          ...(opts.comment === undefined ? {} : { comment: opts.comment }),
          ...(opts.digest === undefined ? {} : { digest: opts.digest }),
        }),
      );
    });
  }

  return approval;
}

/**
 * Adds the agent commands: `chat` (REPL, or `--pipe` for scripts), `run`, `session list|show|delete`,
 * `approval list|approve|reject` and `trace`. Each action reports its exit code through `setExit` (0 ok,
 * 1 failed, 2 usage, 3 paused on an approval ticket); failures throw RokuError for `main` to print.
 *
 * @example
 * registerAgentCommands(program, io, setExit);
 */
export function registerAgentCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const agentIo: AgentIo = io;
  const configFile = (): string | undefined => program.opts<{ config?: string }>().config;

  runFlags(
    program
      .command('chat')
      .description('talk with the agent: a REPL on a terminal, or one goal from stdin with --pipe')
      .option('--pipe', 'read all of stdin as one goal and print one JSON result on stdout (for scripts)')
      .option('--json', 'with --pipe: every stdout line is {"type":"event"|"result","data":…}'),
  ).action(async (opts: RunFlags & { pipe?: boolean }) => {
    if (opts.pipe === true) {
      setExit(
        await pipeCommand(agentIo, configFile(), {
          json: opts.json === true,
          yesAlways: opts.yesAlways === true,
          ...picked(opts),
        }),
      );
      return;
    }
    if (opts.json === true) throw new RokuError('ROKU_CLI_USAGE', 'chat: --json needs --pipe');
    setExit(
      await chatCommand(agentIo, configFile(), { yesAlways: opts.yesAlways === true, ...picked(opts) }),
    );
  });

  runFlags(
    program
      .command('run')
      .description(
        'run one goal and exit; without a terminal, a tool call that needs approval pauses the run (exit 3)',
      )
      .argument('<goal...>', 'what the agent should do')
      .option('--json', 'print the result as one JSON object'),
  ).action(async (goal: string[], opts: RunFlags) => {
    setExit(
      await runCommand(agentIo, configFile(), goal, {
        json: opts.json === true,
        yesAlways: opts.yesAlways === true,
        ...picked(opts),
      }),
    );
  });

  registerSessionCommands(program, agentIo, configFile, setExit);
  registerApprovalCommands(program, agentIo, configFile, setExit);
  registerMemoryCommands(program, agentIo, configFile, setExit);

  program
    .command('trace')
    .description("a run's events, one line each, and its trace file")
    .argument('<run-id>', 'run id (roku session show lists them)')
    .option('--json', 'JSON lines: {"type":"event","data":…} per event, then {"type":"trace","data":…}')
    .action(async (runId: string, opts: { json?: boolean }) => {
      setExit(await traceCommand(agentIo, configFile(), runId, opts.json === true));
    });

  program
    .command('models')
    .description(
      'every model of the loaded providers, with context window, output limit, prices and capabilities',
    )
    .option('--json', 'print one JSON object')
    .option(
      '--refresh',
      'ask the providers for their live model lists again instead of using the cached ones',
    )
    .action(async (opts: { json?: boolean; refresh?: boolean }) => {
      setExit(
        await modelsCommand(agentIo, configFile(), opts.json === true, { refresh: opts.refresh === true }),
      );
    });
}
