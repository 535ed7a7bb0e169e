import { pluginOp } from '@roku/schemas';
import type { ToolSpec } from '@roku/schemas';
import { callPlugin } from '../plugins/call-plugin.js';
import { resultText } from '../plugins/answers.js';
import { asRokuError } from '../agent/abort.js';
import type { AgentSnapshot, CatalogEntry } from '../agent/assembled.js';
import { callDigest, classifyCall } from '../agent/approvals/policy.js';
import type { GateVerdict } from '../agent/approvals/policy.js';
import { truncateChars } from '../agent/conversation.js';
import type { SnapshotHolder } from '../agent/snapshot/holder.js';

/** How often the gateway looks for a swapped snapshot (an install, a reload, a hot swap). */
const WATCH_INTERVAL_MS = 250;

/** A snapshot tool as an MCP client sees it. */
export interface GatewayTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly risk: readonly string[];
  readonly readOnly: boolean;
}

/**
 * What the approval policy says about one call, before anyone is asked. Only a call that asks carries its
 * digest (what an approval answer is bound to): the calls that run or are refused by policy need none.
 */
export type GatewayVerdict =
  | { readonly kind: 'unknown' }
  | {
      readonly kind: 'run' | 'deny';
      readonly reason: string;
      readonly risk: readonly string[];
    }
  | {
      readonly kind: 'ask';
      readonly reason: string;
      readonly risk: readonly string[];
      readonly digest: string;
    };

export interface GatewayResult {
  readonly text: string;
  readonly isError: boolean;
}

/**
 * The plugin snapshot's tools for callers outside the agent loop (`roku mcp serve`, `/mcp` of `roku serve`):
 * the list, the policy's verdict on a call, and the call itself, run in the tool's sandbox under its manifest
 * and capped like any tool result. Whoever calls `run` has applied the verdict first.
 */
export interface ToolGateway {
  tools(): readonly GatewayTool[];
  verdict(name: string, args: unknown, allowed: ReadonlySet<string>): GatewayVerdict;
  /**
   * Runs an approved call. `session`: the caller's session (one per MCP connection or token); an isolate
   * plugin's calls of one session may share a realm, calls of different sessions never do.
   */
  run(name: string, args: unknown, session: string, signal?: AbortSignal): Promise<GatewayResult>;
  /** Called after a snapshot swap changed the tool list; returns the unsubscribe. */
  onToolsChanged(listener: () => void): () => void;
  close(): void;
}

function specs(snapshot: AgentSnapshot): readonly ToolSpec[] {
  const names = new Set(snapshot.info.tools.map((t) => t.name));
  // Every tool loaded: an MCP client gets the whole list (it does its own deferral, if any).
  return snapshot.catalog.definitions({ planMode: false, loaded: names, exclude: new Set(), extra: [] })
    .specs;
}

function toolsOf(snapshot: AgentSnapshot): GatewayTool[] {
  const risks = new Map(snapshot.info.tools.map((t) => [t.name, t.risk]));
  return specs(snapshot)
    .filter((spec) => risks.has(spec.name))
    .map((spec) => {
      const risk = risks.get(spec.name) ?? [];
      const schema = spec.inputSchema as Record<string, unknown> | undefined;
      return {
        name: spec.name,
        description: spec.description,
        inputSchema: { ...(schema ?? {}), type: 'object' },
        risk,
        readOnly: risk.length > 0 && risk.every((r) => r === 'read'),
      };
    });
}

/** A snapshot tool resolved once: its catalog entry and the result cap from its manifest. */
interface Resolved {
  readonly entry: CatalogEntry;
  readonly cap: number | undefined;
}

/**
 * Per-snapshot memo of resolved tools. A snapshot never changes (a reload builds a new one), so what its
 * catalog and manifests say about a tool is looked up once per snapshot, not on every call.
 */
const resolvedBySnapshot = new WeakMap<AgentSnapshot, Map<string, Resolved | null>>();

function resolve(snapshot: AgentSnapshot, name: string): Resolved | undefined {
  let memo = resolvedBySnapshot.get(snapshot);
  if (memo === undefined) {
    memo = new Map();
    resolvedBySnapshot.set(snapshot, memo);
  }
  let found = memo.get(name);
  if (found === undefined) {
    const entry = snapshot.catalog.get(name);
    found =
      entry === undefined
        ? null
        : {
            entry,
            cap: entry.plugin.manifest.contributes.tools?.find((t) => t.name === entry.toolName)
              ?.maxOutputChars,
          };
    // Bounded by the snapshot's tool names: a client naming unknown tools must not grow the memo.
    if (found !== null) memo.set(name, found);
  }
  return found ?? undefined;
}

/**
 * A gateway over the runtime's snapshot holder. `autoApprove` adds to the config's approvals.autoApprove
 * (it never weakens deny patterns).
 */
export function createToolGateway(snapshots: SnapshotHolder): ToolGateway {
  const listeners = new Set<() => void>();
  let seen = snapshots.current();
  let fingerprint = JSON.stringify(toolsOf(seen));
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const now = snapshots.current();
    if (now === seen) return;
    seen = now;
    const next = JSON.stringify(toolsOf(now));
    if (next === fingerprint) return;
    fingerprint = next;
    for (const listener of listeners) listener();
  };
  return {
    tools: () => toolsOf(snapshots.current()),
    verdict: (name, args, allowed) => {
      const entry = resolve(snapshots.current(), name)?.entry;
      if (entry === undefined) return { kind: 'unknown' };
      const settings = snapshots.settings;
      const verdict: GateVerdict = classifyCall({
        tool: name,
        args,
        risk: entry.risk,
        denyPatterns: settings.denyPatterns,
        autoApprove: settings.autoApprove,
        alwaysAllowed: allowed,
      });
      // The digest (canonical JSON + sha256 of the call) only binds an approval answer: asked calls only.
      return verdict.kind === 'ask'
        ? { ...verdict, risk: entry.risk, digest: callDigest(name, args) }
        : { kind: verdict.kind, reason: verdict.reason, risk: entry.risk };
    },
    run: (name, args, session, signal) =>
      snapshots.use(async (snapshot): Promise<GatewayResult> => {
        const resolved = resolve(snapshot, name);
        if (resolved === undefined) return { text: `error: no tool named ${name}`, isError: true };
        const { entry, cap } = resolved;
        try {
          const output = await callPlugin(
            entry.plugin.sandbox,
            pluginOp('tool', entry.toolName),
            args ?? {},
            {
              config: entry.plugin.settings,
              session,
              ...(signal === undefined ? {} : { signal }),
            },
          );
          // The tool's own cap from its manifest, then agent.toolResultMaxChars: as in the agent loop.
          const text = resultText(output);
          const capped = cap === undefined ? text : truncateChars(text, cap);
          return { text: truncateChars(capped, snapshots.settings.toolResultMaxChars), isError: false };
        } catch (err) {
          const error = asRokuError(err);
          return { text: `error [${error.code}]: ${error.message}`, isError: true };
        }
      }),
    onToolsChanged: (listener) => {
      listeners.add(listener);
      if (timer === undefined) {
        timer = setInterval(check, WATCH_INTERVAL_MS);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    close: () => {
      listeners.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
