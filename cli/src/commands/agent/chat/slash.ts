import type { AgentRuntime, SnapshotInfo } from '@roku/host';
import type { ApprovalState } from '../approve-prompt.js';
import type { Style } from '../render.js';
import { table } from '../render.js';
import { sessionTable, sessionText } from '../sessions.js';
import { traceOf, traceText } from '../trace.js';

/** What the REPL remembers between runs; slash commands change it. */
export interface ChatState extends ApprovalState {
  sessionId: string;
  /** Model for the following runs; undefined lets the runtime choose. */
  model: string | undefined;
  /** Restricts /model choices to one provider. */
  provider: string | undefined;
  /** `agent.provider` in the config: /provider may not switch away from it. */
  readonly providerPin?: string;
  planMode: boolean;
  /** The last run started from this REPL, for /trace. */
  lastRunId: string | undefined;
}

export interface SlashContext {
  readonly runtime: AgentRuntime;
  readonly state: ChatState;
  readonly style: Style;
  /** Writes a line (or lines) of human output on stderr. */
  readonly print: (text: string) => void;
}

export const SLASH_HELP: readonly (readonly [string, string])[] = [
  ['/help', 'this list'],
  ['/model [REF|N|default]', 'list models, or use one for the following runs'],
  ['/provider [NAME|all]', 'list providers, or restrict /model to one'],
  ['/plugins', 'loaded plugins: source, version, contributions, problems, slot owners, warnings'],
  ['/reload', 'rebuild the plugin snapshot now (a failure keeps the old one)'],
  ['/compact', "summarize this session's older messages"],
  ['/session [list|show [ID]|switch ID|new]', 'list, show, resume or start sessions'],
  ['/trace [RUN_ID]', 'events of a run (default: the last one)'],
  ['/plan', 'toggle plan mode: only read-only tools are visible and runnable'],
  [
    '/approve [on|off]',
    'show whether tool calls that need approval ask first, or turn auto-approve on or off',
  ],
  ['/quit', 'exit (also ctrl-D, or ctrl-C twice at an empty prompt)'],
];

/** `/approve [on|off]`: the chat's approval state (the one the prompt's `a` sets), shown or changed. */
function approveCommand(ctx: SlashContext, arg: string | undefined): void {
  const { state, print } = ctx;
  if (arg === 'on' || arg === 'off') state.autoApprove = arg === 'on';
  else if (arg !== undefined) {
    print(ctx.style.red(`error: /approve takes on or off, not "${arg}"; /approve alone shows the state`));
    return;
  }
  const now = state.autoApprove
    ? 'auto-approve on: tool calls run without asking (deny patterns still refuse)'
    : 'auto-approve off: tool calls that need approval ask first';
  print(arg === undefined ? `${now}; change it with /approve ${state.autoApprove ? 'off' : 'on'}` : now);
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function providersOf(snapshot: SnapshotInfo): string[] {
  const names = new Set<string>();
  for (const p of snapshot.plugins) for (const name of p.contributes.providers) names.add(name);
  for (const m of snapshot.models) {
    const slash = m.ref.indexOf('/');
    if (slash > 0) names.add(m.ref.slice(0, slash));
  }
  return [...names].sort();
}

function modelsOf(snapshot: SnapshotInfo, provider: string | undefined): SnapshotInfo['models'] {
  return provider === undefined
    ? snapshot.models
    : snapshot.models.filter((m) => m.ref.startsWith(`${provider}/`));
}

function modelCommand(ctx: SlashContext, arg: string | undefined): void {
  const { state, print, style } = ctx;
  const models = modelsOf(ctx.runtime.snapshotInfo(), state.provider);
  if (arg === undefined) {
    if (models.length === 0) {
      print(
        state.provider === undefined
          ? 'no models: install a provider plugin (roku plugin install @roku/plugin-provider-scripted --yes), then /reload'
          : `provider ${state.provider} offers no models; /provider all lifts the restriction`,
      );
      return;
    }
    print(
      `model: ${state.model ?? 'default (chosen per run)'}${state.provider === undefined ? '' : ` · provider ${state.provider}`}`,
    );
    print(
      table(
        models.map((m, i) => [
          `${m.ref === state.model ? '*' : ' '}${i + 1})`,
          m.ref,
          style.dim(`${m.contextWindow} tokens`),
        ]),
      ).trimEnd(),
    );
    print(style.dim('use /model REF or /model N; /model default lets the runtime choose'));
    return;
  }
  if (arg === 'default') {
    state.model = undefined;
    print('model: default (chosen per run)');
    return;
  }
  const byNumber = /^\d+$/.test(arg) ? models[Number(arg) - 1] : undefined;
  const matches =
    byNumber === undefined ? models.filter((m) => m.ref === arg || m.ref.endsWith(`/${arg}`)) : [byNumber];
  const chosen = matches.length === 1 ? matches[0] : matches.find((m) => m.ref === arg);
  if (chosen === undefined) {
    print(
      style.red(
        matches.length > 1
          ? `error: "${arg}" is ambiguous (${matches.map((m) => m.ref).join(', ')}); use the full <provider>/<model>`
          : `error: no loaded model "${arg}"${state.provider === undefined ? '' : ` from provider ${state.provider}`}; /model lists them`,
      ),
    );
    return;
  }
  state.model = chosen.ref;
  print(`model: ${chosen.ref} for the following runs`);
}

function providerCommand(ctx: SlashContext, arg: string | undefined): void {
  const { state, print, style } = ctx;
  const snapshot = ctx.runtime.snapshotInfo();
  const providers = providersOf(snapshot);
  if (arg === undefined) {
    if (providers.length === 0) {
      print(
        'no providers: install a provider plugin (roku plugin install @roku/plugin-provider-scripted --yes), then /reload',
      );
      return;
    }
    for (const name of providers) {
      const count = modelsOf(snapshot, name).length;
      print(
        `${name === state.provider ? '*' : ' '} ${name}  ${style.dim(`${count} model${count === 1 ? '' : 's'}`)}`,
      );
    }
    print(
      style.dim(
        state.provider === undefined
          ? 'every provider is eligible; /provider NAME restricts /model to one'
          : '/provider all lifts the restriction',
      ),
    );
    return;
  }
  if (state.providerPin !== undefined && arg !== state.providerPin) {
    print(
      style.red(
        `error: the provider is pinned to ${state.providerPin} by agent.provider in the config; /provider cannot switch it (empty agent.provider to choose freely)`,
      ),
    );
    return;
  }
  if (arg === 'all' || arg === 'any') {
    state.provider = undefined;
    print('provider: any');
    return;
  }
  if (!providers.includes(arg)) {
    print(style.red(`error: no loaded provider "${arg}"; /provider lists them`));
    return;
  }
  state.provider = arg;
  if (state.model !== undefined && !state.model.startsWith(`${arg}/`)) state.model = undefined;
  const first = modelsOf(snapshot, arg)[0];
  if (state.model === undefined && first !== undefined) state.model = first.ref;
  print(
    `provider: ${arg}${state.model === undefined ? '' : ` · model ${state.model}`} (/model lists its models)`,
  );
}

function pluginsCommand(ctx: SlashContext): void {
  const { print, style } = ctx;
  const snapshot = ctx.runtime.snapshotInfo();
  print(
    `snapshot #${snapshot.id} · ${snapshot.plugins.length} plugins · ${snapshot.tools.length} tools · ${snapshot.models.length} models`,
  );
  for (const p of snapshot.plugins) {
    const c = p.contributes;
    const parts = [
      c.tools.length > 0 ? `tools: ${c.tools.join(', ')}` : '',
      c.providers.length > 0 ? `providers: ${c.providers.join(', ')}` : '',
      c.memorySlot ? 'memory slot' : '',
      c.contextEngine ? 'context engine' : '',
      c.subagentRuntimes.length > 0 ? `sub-agents: ${c.subagentRuntimes.join(', ')}` : '',
    ].filter((s) => s !== '');
    print(
      `  ${p.problem === undefined ? style.green('●') : style.red('✗')} ${p.id}@${p.version}  ${style.dim(`${p.source} · ${p.engine}`)}`,
    );
    if (parts.length > 0) print(`      ${parts.join(' · ')}`);
    if (p.limits !== undefined) {
      const l = p.limits;
      print(
        style.dim(
          `      limits: ${l.memoryMb} MB · ${l.cpuMsPerCall} ms CPU per call` +
            (l.cpuMsPerMinute === undefined ? '' : ` · ${l.cpuMsPerMinute} ms CPU per minute`) +
            ` · ${l.callsAtOnce} calls at once`,
        ),
      );
      if (l.boundBy !== undefined) print(style.yellow(`      calls at once: ${l.boundBy}`));
    }
    if (p.problem !== undefined) print(style.red(`      problem: ${p.problem}`));
  }
  print(`slots: memory = ${snapshot.memorySlot} · context engine = ${snapshot.contextEngine}`);
  const { memory } = snapshot;
  if (memory.plugin !== '') {
    print(`memory: ${memory.plugin}${memory.description === '' ? '' : ` (${memory.description})`}`);
    print(
      memory.writeBack
        ? '  write-back on: each finished exchange (goal and answer) is written there (agent.rememberExchanges)'
        : '  write-back off: nothing is written there automatically (agent.rememberExchanges: true turns it on)',
    );
  }
  for (const w of snapshot.warnings) print(style.yellow(`warning: ${w}`));
}

function sessionCommand(ctx: SlashContext, args: readonly string[]): void {
  const { runtime, state, print, style } = ctx;
  const [sub = 'list', id] = args;
  switch (sub) {
    case 'list': {
      const sessions = runtime.sessions();
      print(sessions.length === 0 ? 'no sessions yet' : sessionTable(sessions, state.sessionId).trimEnd());
      return;
    }
    case 'show': {
      const target = id ?? state.sessionId;
      if (runtime.store.getSession(target) === undefined) {
        print(
          target === state.sessionId
            ? `session ${target} has no messages yet`
            : style.red(`error: session "${target}" not found`),
        );
        return;
      }
      print(sessionText(runtime.session(target), { maxChars: 200, lastMessages: 20 }).trimEnd());
      return;
    }
    case 'switch':
    case 'new': {
      const target =
        sub === 'new'
          ? `chat-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`
          : id;
      if (target === undefined || !SESSION_ID.test(target)) {
        print(
          style.red(
            'error: /session switch ID: an id is 1-128 letters, digits, dot, underscore, colon or dash',
          ),
        );
        return;
      }
      state.sessionId = target;
      state.lastRunId = undefined;
      const existing = runtime.store.getSession(target);
      print(
        existing === undefined
          ? `session: ${target} (new; created by the first message)`
          : `session: ${target} (${existing.messageCount} messages; /session show lists them)`,
      );
      return;
    }
    default:
      print(style.red(`error: unknown /session subcommand "${sub}"; use list, show [ID], switch ID or new`));
  }
}

function traceCommand(ctx: SlashContext, arg: string | undefined): void {
  const { runtime, state, print } = ctx;
  const runId = arg ?? state.lastRunId ?? runtime.store.getSession(state.sessionId)?.lastRunId ?? undefined;
  if (runId === undefined) {
    print('no run yet in this session; /trace RUN_ID shows any run');
    return;
  }
  print(traceText(traceOf(runtime, runId)).trimEnd());
}

/**
 * Runs one slash command line. Returns 'quit' for /quit; errors are printed, never thrown, so the REPL goes on.
 */
export async function runSlash(ctx: SlashContext, line: string): Promise<'quit' | 'continue'> {
  const [name = '', ...args] = line.trim().split(/\s+/);
  const { runtime, state, print, style } = ctx;
  try {
    switch (name) {
      case '/help':
      case '/?':
        print(table(SLASH_HELP.map(([cmd, what]) => [cmd, style.dim(what)])).trimEnd());
        break;
      case '/quit':
      case '/exit':
        return 'quit';
      case '/model':
        modelCommand(ctx, args[0]);
        break;
      case '/provider':
        providerCommand(ctx, args[0]);
        break;
      case '/plugins':
        pluginsCommand(ctx);
        break;
      case '/reload': {
        const r = await runtime.reload('/reload');
        print(
          r.ok
            ? `${style.green('reloaded')}: snapshot #${r.snapshot.id} (${r.reason}, ${Math.round(r.elapsedMs)} ms)`
            : style.yellow(
                `reload failed, rolled back to snapshot #${r.snapshot.id}: ${r.error?.message ?? r.reason}${r.error === undefined ? '' : ` [${r.error.code}]`} (${Math.round(r.elapsedMs)} ms)`,
              ),
        );
        break;
      }
      case '/compact': {
        if (runtime.store.getSession(state.sessionId) === undefined) {
          print(`session ${state.sessionId} has no messages yet; nothing to compact`);
          break;
        }
        const r = await runtime.compactSession(state.sessionId);
        print(
          `compacted: ${r.discarded} older messages replaced by one summary; ${r.retained} recent ones kept`,
        );
        break;
      }
      case '/session':
        sessionCommand(ctx, args);
        break;
      case '/trace':
        traceCommand(ctx, args[0]);
        break;
      case '/plan':
        state.planMode = !state.planMode;
        print(
          state.planMode ? 'plan mode on: only read-only tools are visible and runnable' : 'plan mode off',
        );
        break;
      case '/approve':
        approveCommand(ctx, args[0]);
        break;
      default:
        print(style.red(`error: unknown command ${name}; /help lists the commands`));
    }
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    print(style.red(`error: ${String(message)}${typeof code === 'string' ? ` [${code}]` : ''}`));
  }
  return 'continue';
}
