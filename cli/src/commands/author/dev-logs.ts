import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** What `roku plugin dev` reports from the log file of running hosts. */
export type DevLogEvent =
  | { type: 'log'; pid: number | null; level: string; message: string; data?: unknown }
  | { type: 'denial'; pid: number | null; code: string; reason: string; grant: string | null }
  | { type: 'problem'; pid: number | null; level: string; message: string; error?: string }
  | { type: 'reload'; pid: number | null; snapshot: unknown; reason: string };

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * The manifest (or user config) line that would grant what a denial refused, read from the host's reason;
 * null when the refusal is not one a grant lifts (a deny list, a link on the way).
 */
export function grantFor(reason: string, pluginId: string): string | null {
  let m = /network access to (\S+) denied: not named in permissions\.network/.exec(reason);
  if (m !== null) return `roku.plugin.json: "permissions": { "network": ["${m[1] ?? ''}"] }`;
  if (/network access to \S+ denied: .*only your own config can grant it/.test(reason)) {
    m = /network access to (\S+) denied/.exec(reason);
    return `your config: "plugins": { "grants": { "${pluginId}": { "network": ["${m?.[1] ?? ''}"] } } }`;
  }
  m = /filesystem access to (\w+):"?([^"]*)"? denied: not under a permissions\.filesystem grant/.exec(reason);
  if (m !== null) {
    return `roku.plugin.json: "permissions": { "filesystem": [{ "root": "${m[1] ?? ''}", "path": "${m[2] ?? ''}", "access": "read" }] }`;
  }
  m = /writing (\w+):"?([^"]*)"? denied: permissions\.filesystem grants read access only/.exec(reason);
  if (m !== null) {
    return `roku.plugin.json: "permissions": { "filesystem": [{ "root": "${m[1] ?? ''}", "path": "${m[2] ?? ''}", "access": "read-write" }] }`;
  }
  m = /env\.get of "([^"]+)" denied: not named in permissions\.env/.exec(reason);
  if (m !== null) return `roku.plugin.json: "permissions": { "env": ["${m[1] ?? ''}"] }`;
  if (reason.includes('permissions.capabilities.sql is not granted'))
    return 'roku.plugin.json: "permissions": { "capabilities": { "sql": { "maxBytes": 67108864 } } }';
  if (reason.includes('capabilities.llm is not granted'))
    return 'roku.plugin.json: "permissions": { "capabilities": { "llm": true } }';
  if (reason.includes('capabilities.subagents is not granted'))
    return 'roku.plugin.json: "permissions": { "capabilities": { "subagents": true } }';
  if (/capabilities\.memory is (none|read)/.test(reason)) {
    const write = reason.includes('not read-write');
    return `roku.plugin.json: "permissions": { "capabilities": { "memory": "${write ? 'read-write' : 'read'}" } }`;
  }
  m = /tool "([^"]+)" is not named in capabilities\.tools/.exec(reason);
  if (m !== null)
    return `roku.plugin.json: "permissions": { "capabilities": { "tools": ["${m[1] ?? ''}"] } }`;
  m = /program "([^"]+)" is not allowed/.exec(reason);
  if (m !== null)
    return `roku.plugin.json: "permissions": { "capabilities": { "processes": ["${m[1] ?? ''}"] } }`;
  if (reason.includes('.process.shell'))
    return `roku.plugin.json: "permissions": { "capabilities": { "processShell": true } } and your config: "plugins": { "grants": { "${pluginId}": { "process": { "shell": true } } } }`;
  return null;
}

/** One log record of a running host, as `roku plugin dev` reports it (undefined: not about this plugin). */
export function devEvent(record: Record<string, unknown>, pluginId: string): DevLogEvent | undefined {
  const pid = typeof record.pid === 'number' ? record.pid : null;
  const level = typeof record.level === 'number' ? (LEVELS[record.level] ?? String(record.level)) : 'info';
  const message = typeof record.msg === 'string' ? record.msg : '';
  if (message === 'plugin snapshot swapped' || message === 'plugin snapshot ready') {
    return {
      type: 'reload',
      pid,
      snapshot: record.snapshot,
      reason: typeof record.reason === 'string' ? record.reason : 'start',
    };
  }
  if (record.pluginId !== pluginId) return undefined;
  if (message === 'capability refused') {
    const reason = typeof record.reason === 'string' ? record.reason : '';
    return {
      type: 'denial',
      pid,
      code: typeof record.code === 'string' ? record.code : 'ROKU_CAPABILITY_DENIED',
      reason,
      grant: grantFor(reason, pluginId),
    };
  }
  if (record.source === 'plugin') {
    return { type: 'log', pid, level, message, ...(record.data === undefined ? {} : { data: record.data }) };
  }
  const err = record.err as { message?: unknown } | undefined;
  return {
    type: 'problem',
    pid,
    level,
    message,
    ...(typeof err?.message === 'string' ? { error: err.message } : {}),
  };
}

/**
 * Follows a JSON-lines log file from its current end: each poll reads what was appended and hands complete
 * lines to `onRecord`. A file that shrank (rotated) is read again from its start.
 */
export function followLog(file: string, onRecord: (record: Record<string, unknown>) => void): () => void {
  let offset = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  let partial = '';
  const poll = (): void => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size < offset) {
      offset = 0;
      partial = '';
    }
    if (size === offset) return;
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const lines = (partial + buffer.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const record: unknown = JSON.parse(line);
        if (record !== null && typeof record === 'object') onRecord(record as Record<string, unknown>);
      } catch {
        // Not a JSON record (a partial line of another writer): skipped.
      }
    }
  };
  const timer = setInterval(poll, 250);
  return () => {
    clearInterval(timer);
    poll();
  };
}
