import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { McpServerState } from './types.js';

/** One server as a running roku process last saw it. */
export interface McpServerStatus {
  /** `connected`, `reconnecting` or `failed`. */
  readonly status: 'connected' | 'reconnecting' | 'failed';
  readonly tools?: number;
  readonly wire?: string;
  readonly protocol?: string;
  readonly problem?: string;
  readonly warnings?: readonly string[];
}

/** What one roku process (by pid) reports about its servers. */
export interface McpProcessStatus {
  readonly pid: number;
  readonly updatedAt: string;
  readonly servers: Record<string, McpServerStatus>;
}

type StatusFile = Record<string, McpProcessStatus>;

/** `$ROKU_HOME/mcp/status.json`: each running roku process's view of its MCP servers. */
export function statusFile(home: string): string {
  return join(home, 'mcp', 'status.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readStatus(file: string): StatusFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusFile) : {};
  } catch {
    return {};
  }
}

/** The status of running roku processes (entries of processes that ended are left out). */
export function readMcpStatus(home: string): McpProcessStatus[] {
  return Object.values(readStatus(statusFile(home))).filter((p) => alive(p.pid));
}

/** The status of one server state. */
export function statusOf(state: McpServerState): McpServerStatus {
  if (state.ok) {
    return {
      status: 'connected',
      tools: state.tools.length,
      wire: state.wire,
      protocol: state.protocol,
      ...(state.warnings.length === 0 ? {} : { warnings: state.warnings }),
    };
  }
  return { status: state.status, problem: state.problem };
}

/**
 * Records this process's servers (or removes its entry, for none), dropping entries of processes that ended.
 * Best effort: a status that cannot be written never stops a server.
 */
export function writeMcpStatus(home: string, states: readonly McpServerState[] | undefined): void {
  const file = statusFile(home);
  try {
    const data = Object.fromEntries(
      Object.entries(readStatus(file)).filter(([pid, p]) => Number(pid) !== process.pid && alive(p.pid)),
    );
    if (states !== undefined && states.length > 0) {
      data[String(process.pid)] = {
        pid: process.pid,
        updatedAt: new Date().toISOString(),
        servers: Object.fromEntries(states.map((s) => [s.name, statusOf(s)])),
      };
    }
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // best effort (read-only home, disk full): the servers go on
  }
}

/** One line per running process for `roku doctor` (undefined when no running process has servers). */
export function mcpStatusSummary(home: string): string | undefined {
  const running = readMcpStatus(home);
  if (running.length === 0) return undefined;
  return running
    .map((p) => {
      const servers = Object.entries(p.servers).map(([name, s]) =>
        s.status === 'connected'
          ? `${name} connected (${String(s.tools ?? 0)} tools, ${s.wire ?? '?'})${(s.warnings ?? []).length > 0 ? ` — ${(s.warnings ?? []).join('; ')}` : ''}`
          : `${name} ${s.status}: ${s.problem ?? ''}`,
      );
      return `roku pid ${String(p.pid)}: ${servers.join('; ')}`;
    })
    .join('\n');
}
