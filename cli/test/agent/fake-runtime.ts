import { createHash } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import type { ChatMessage } from '@roku/schemas';
import type {
  AgentRuntime,
  AgentRuntimeOptions,
  ApprovalMode,
  ApprovalRow,
  LoopEvent,
  ReloadResult,
  RunHandlers,
  RunInput,
  RunResult,
  RunRow,
  SessionRow,
  SnapshotInfo,
  StoredMessage,
} from '@roku/host';

/**
 * A stand-in for the real agent runtime, with the documented behaviour of the scripted provider: a goal whose
 * first word is a tool name calls that tool with the rest (JSON object, or `{text}`), then answers
 * `<tool> returned: <content>`; `fail` fails; `slow` waits for the abort signal; anything else answers
 * `You said: <goal>`. `echo` is a read tool; `write_file` needs approval. State lives in a {@link FakeWorld}
 * shared by every runtime made from it, like the SQLite file shared by processes.
 */
export interface FakeWorld {
  readonly sessions: Map<string, { row: SessionRow; messages: StoredMessage[] }>;
  readonly runs: Map<string, RunRow & { events: LoopEvent[]; model: string }>;
  readonly approvals: Map<string, ApprovalRow>;
  /** `path` of every write_file call that ran. */
  readonly written: string[];
  readonly inputs: RunInput[];
  readonly options: AgentRuntimeOptions[];
  reloadListeners: ((r: ReloadResult) => void)[];
  opened: number;
  closed: number;
  counter: number;
}

export function createWorld(): FakeWorld {
  return {
    sessions: new Map(),
    runs: new Map(),
    approvals: new Map(),
    written: [],
    inputs: [],
    options: [],
    reloadListeners: [],
    opened: 0,
    closed: 0,
    counter: 0,
  };
}

const RISK: Record<string, string[]> = { echo: ['read'], write_file: ['write'] };

export const SNAPSHOT: SnapshotInfo = {
  id: 1,
  createdAt: 0,
  plugins: [
    {
      id: '@roku/plugin-provider-scripted',
      version: '0.1.0',
      source: 'installed',
      engine: 'isolate',
      contributes: {
        tools: [],
        providers: ['scripted'],
        memorySlot: false,
        contextEngine: false,
        subagentRuntimes: [],
      },
    },
    {
      id: '@roku/broken',
      version: '1.0.0',
      source: 'installed',
      engine: 'wasm',
      contributes: {
        tools: ['x'],
        providers: [],
        memorySlot: false,
        contextEngine: false,
        subagentRuntimes: [],
      },
      problem: 'failed its health check',
    },
  ],
  models: [
    { ref: 'scripted/scripted-1', contextWindow: 200000 },
    { ref: 'scripted/scripted-small', contextWindow: 16000 },
  ],
  tools: [
    { name: 'echo', pluginId: '@roku/example-tool-echo', risk: ['read'], deferred: false },
    { name: 'write_file', pluginId: '@roku/plugin-toolset-fs', risk: ['write'], deferred: false },
  ],
  memorySlot: '@roku/plugin-memory-session',
  contextEngine: '@roku/plugin-context-default',
  warnings: ['context engine fell back to the default'],
};

interface Pending {
  goal: string;
  tool: string;
  args: Record<string, unknown>;
}

export function fakeRuntime(world: FakeWorld, options: AgentRuntimeOptions): AgentRuntime {
  world.opened++;
  world.options.push(options);
  const now = () => ++world.counter;
  const ensure = (id: string) => {
    let s = world.sessions.get(id);
    if (s === undefined) {
      s = {
        row: {
          id,
          title: null,
          createdAt: now(),
          updatedAt: now(),
          messageCount: 0,
          lastRunId: null,
          lastRunStatus: null,
        },
        messages: [],
      };
      world.sessions.set(id, s);
    }
    return s;
  };
  const append = (sessionId: string, runId: string, messages: ChatMessage[]) => {
    const s = ensure(sessionId);
    for (const message of messages)
      s.messages.push({ sessionId, seq: s.messages.length + 1, runId, message, createdAt: now() });
    s.row = { ...s.row, messageCount: s.messages.length, updatedAt: now() };
  };
  const emitter = (runId: string, handlers: RunHandlers | undefined) => (event: LoopEvent) => {
    world.runs.get(runId)?.events.push(event);
    handlers?.onEvent?.(event);
  };
  const finish = (
    runId: string,
    handlers: RunHandlers | undefined,
    status: RunResult['status'],
    message: string,
    error?: RunResult['error'],
  ): RunResult => {
    const run = world.runs.get(runId)!;
    const emit = emitter(runId, handlers);
    emit({
      type: 'TokenUsage',
      step: 1,
      agent_id: 'main',
      prompt_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      estimated_cost_usd: 0,
      model_id: run.model,
    });
    emit({ type: 'RunFinished', step: 1, agent_id: 'main', status, message });
    world.runs.set(runId, {
      ...run,
      status,
      resultMessage: message,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
    });
    const s = ensure(run.sessionId);
    s.row = { ...s.row, lastRunId: runId, lastRunStatus: status };
    const approvalId = [...world.approvals.values()].find(
      (a) => a.runId === runId && a.status === 'pending',
    )?.id;
    return {
      runId,
      sessionId: run.sessionId,
      status,
      message,
      model: run.model,
      ...(error === undefined ? {} : { error }),
      ...(approvalId === undefined ? {} : { approvalId }),
      usage: {
        promptTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        estimatedCostUsd: 0,
      },
      steps: 1,
    };
  };
  const answer = (runId: string, handlers: RunHandlers | undefined, text: string): RunResult => {
    const run = world.runs.get(runId)!;
    const emit = emitter(runId, handlers);
    emit({ type: 'LlmTextDelta', step: 1, agent_id: 'main', text: text.slice(0, 4) });
    emit({ type: 'LlmTextDelta', step: 1, agent_id: 'main', text: text.slice(4) });
    emit({
      type: 'LlmDecisionComplete',
      step: 1,
      agent_id: 'main',
      model_id: run.model,
      finish_reason: 'stop',
      tool_calls: 0,
    });
    append(run.sessionId, runId, [{ role: 'assistant', content: text }]);
    return finish(runId, handlers, 'succeeded', text);
  };
  const execute = (
    runId: string,
    handlers: RunHandlers | undefined,
    p: Pending,
    allowed: boolean,
    why = '',
  ): RunResult => {
    const emit = emitter(runId, handlers);
    const run = world.runs.get(runId)!;
    let content: string;
    if (!allowed) {
      content = `refused: ${why}`;
    } else {
      emit({
        type: 'ToolStart',
        step: 1,
        agent_id: 'main',
        tool_name: p.tool,
        tool_call_id: 'call_1',
        args_summary: JSON.stringify(p.args),
      });
      if (p.tool === 'write_file') world.written.push(String(p.args.path));
      content = p.tool === 'echo' ? String(p.args.text) : `wrote ${String(p.args.path)}`;
      emit({
        type: 'ToolEnd',
        step: 1,
        agent_id: 'main',
        tool_name: p.tool,
        tool_call_id: 'call_1',
        elapsed_ms: 3,
        result_summary: content,
        is_error: false,
      });
    }
    emit({ type: 'StepComplete', step: 1, agent_id: 'main', remaining_steps: 29 });
    append(run.sessionId, runId, [{ role: 'tool', content, toolCallId: 'call_1', isError: !allowed }]);
    return answer(runId, handlers, `${p.tool} returned: ${content}`);
  };
  const decide = async (
    runId: string,
    handlers: RunHandlers | undefined,
    p: Pending,
    mode: ApprovalMode,
    auto: { on: boolean },
  ): Promise<RunResult> => {
    const risk = RISK[p.tool] ?? [];
    if (!risk.includes('write') || auto.on) return execute(runId, handlers, p, true);
    const emit = emitter(runId, handlers);
    const digest = createHash('sha256')
      .update(JSON.stringify({ tool: p.tool, arguments: p.args }))
      .digest('hex');
    const id = `appr-${++world.counter}`;
    const run = world.runs.get(runId)!;
    if (mode === 'deny') {
      emit({
        type: 'ApprovalDecided',
        step: 1,
        agent_id: 'main',
        approval_id: id,
        tool_name: p.tool,
        decision: 'denied',
        by: 'pipe',
        reason: 'needs approval; use interactive roku chat',
      });
      return execute(runId, handlers, p, false, 'needs approval; use interactive roku chat');
    }
    world.approvals.set(id, {
      id,
      runId,
      sessionId: run.sessionId,
      toolCallId: 'call_1',
      toolName: p.tool,
      arguments: p.args,
      digest,
      risk,
      status: 'pending',
      decidedBy: null,
      comment: null,
      createdAt: Date.now(),
      decidedAt: null,
      result: null,
    });
    emit({
      type: 'ApprovalRequested',
      step: 1,
      agent_id: 'main',
      approval_id: id,
      tool_name: p.tool,
      digest,
      risk,
      args_summary: JSON.stringify(p.args),
    });
    if (mode === 'pause') {
      world.runs.set(runId, { ...run, status: 'awaiting_approval', state: p });
      const result = finish(runId, handlers, 'awaiting_approval', `waiting for approval ${id}`);
      world.runs.set(runId, { ...world.runs.get(runId)!, status: 'awaiting_approval' });
      return result;
    }
    const reply = await handlers!.approve!({
      approvalId: id,
      toolName: p.tool,
      arguments: p.args,
      risk,
      digest,
      argsSummary: JSON.stringify(p.args),
    }).catch(() => 'reject' as const);
    if (reply === 'always') auto.on = true;
    const approved = reply !== 'reject';
    world.approvals.set(id, {
      ...world.approvals.get(id)!,
      status: approved ? 'executed' : 'rejected',
      decidedBy: 'user',
    });
    emit({
      type: 'ApprovalDecided',
      step: 1,
      agent_id: 'main',
      approval_id: id,
      tool_name: p.tool,
      decision: approved ? 'approved' : 'rejected',
      by: 'user',
    });
    return execute(runId, handlers, p, approved, 'the user rejected the call');
  };

  return {
    store: {
      getApproval: (id: string) => world.approvals.get(id),
      getRun: (id: string) => world.runs.get(id),
      getSession: (id: string) => world.sessions.get(id)?.row,
    } as unknown as AgentRuntime['store'],
    snapshotInfo: () => SNAPSHOT,
    async run(input, handlers) {
      world.inputs.push(input);
      const sessionId = input.sessionId ?? 'chat-default';
      ensure(sessionId);
      const busy = [...world.runs.values()].find(
        (r) => r.sessionId === sessionId && r.status === 'awaiting_approval',
      );
      if (busy !== undefined)
        throw new RokuError('ROKU_SESSION_BUSY', `session ${sessionId} waits for approval of run ${busy.id}`);
      const runId = `run-${++world.counter}`;
      const model = input.model ?? 'scripted/scripted-1';
      world.runs.set(runId, {
        id: runId,
        sessionId,
        parentRunId: null,
        goal: input.goal,
        status: 'running',
        ownerPid: process.pid,
        state: null,
        resultMessage: null,
        errorCode: null,
        errorMessage: null,
        createdAt: now(),
        updatedAt: now(),
        events: [],
        model,
      });
      emitter(
        runId,
        handlers,
      )({ type: 'RunStarted', step: 0, agent_id: 'main', run_id: runId, session_id: sessionId, snapshot: 1 });
      append(sessionId, runId, [{ role: 'user', content: input.goal }]);
      const [first = '', ...rest] = input.goal.split(' ');
      const restText = rest.join(' ');
      if (first === 'fail')
        return finish(runId, handlers, 'failed', 'the model gave up', {
          code: 'ROKU_RUN_FAILED',
          message: 'the model gave up',
        });
      if (first === 'slow') {
        await new Promise<void>((resolve) => {
          if (input.signal?.aborted === true) resolve();
          input.signal?.addEventListener(
            'abort',
            () => {
              resolve();
            },
            { once: true },
          );
        });
        return finish(runId, handlers, 'interrupted', 'cancelled', {
          code: 'ROKU_RUN_INTERRUPTED',
          message: 'cancelled',
        });
      }
      if (first in RISK) {
        const args = restText.startsWith('{')
          ? (JSON.parse(restText) as Record<string, unknown>)
          : { text: restText };
        return decide(runId, handlers, { goal: input.goal, tool: first, args }, input.approvalMode, {
          on: input.autoApprove === true,
        });
      }
      return answer(runId, handlers, `You said: ${input.goal}`);
    },
    async decideApproval(approvalId, decision, handlers) {
      const ticket = world.approvals.get(approvalId);
      if (ticket === undefined) throw new RokuError('ROKU_APPROVAL_NOT_FOUND', `no ticket ${approvalId}`);
      if (ticket.status !== 'pending')
        throw new RokuError('ROKU_APPROVAL_ALREADY_DECIDED', `ticket ${approvalId} is ${ticket.status}`);
      if (decision.expectedDigest !== undefined && decision.expectedDigest !== ticket.digest)
        throw new RokuError('ROKU_APPROVAL_DIGEST_MISMATCH', 'digest mismatch');
      world.approvals.set(approvalId, {
        ...ticket,
        status: decision.approved ? 'executed' : 'rejected',
        decidedBy: decision.by,
        comment: decision.comment ?? null,
      });
      const run = world.runs.get(ticket.runId)!;
      world.runs.set(run.id, { ...run, status: 'running' });
      return Promise.resolve(
        execute(run.id, handlers, run.state as Pending, decision.approved, 'rejected by the operator'),
      );
    },
    async reload(reason) {
      return Promise.resolve({
        ok: false,
        snapshot: SNAPSHOT,
        reason,
        error: { code: 'ROKU_SNAPSHOT_FAILED', message: 'plugin x broke' },
        elapsedMs: 7,
      });
    },
    async compactSession() {
      return Promise.resolve({ discarded: 4, retained: 2 });
    },
    sessions: () => [...world.sessions.values()].map((s) => s.row),
    session(id) {
      const s = world.sessions.get(id);
      if (s === undefined) throw new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${id}`);
      return {
        session: s.row,
        messages: s.messages,
        runs: [...world.runs.values()].filter((r) => r.sessionId === id),
      };
    },
    deleteSession: (id) => world.sessions.delete(id),
    approvals: (o) =>
      [...world.approvals.values()].filter((a) => o?.status === undefined || a.status === o.status),
    trace(runId) {
      const run = world.runs.get(runId);
      if (run === undefined) throw new RokuError('ROKU_RUN_NOT_FOUND', `no run ${runId}`);
      return {
        run,
        events: run.events,
        trace: { runId, file: `/traces/${runId}.jsonl`, bytes: 1234, dropped: 0 },
      };
    },
    watch(onReload) {
      if (onReload !== undefined) world.reloadListeners.push(onReload);
    },
    async close() {
      world.closed++;
      world.reloadListeners = [];
      return Promise.resolve();
    },
  };
}
