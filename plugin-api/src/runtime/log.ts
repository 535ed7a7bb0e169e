import type { PluginContext } from '../context.js';
import { CapabilityError } from './host-bridge.js';
import type { CapabilityOps } from '../abi/abi.js';

/** The host keeps at most 4 KiB of a log message; longer ones are cut here, before they are serialised. */
const MAX_LOG_MESSAGE_CHARS = 16 * 1024;
/** Longer messages are refused unread (cutting one would first copy all of it). */
const MAX_LOG_READ_CHARS = 1024 * 1024;

type Level = 'debug' | 'info' | 'warn' | 'error';

/** What JSON.stringify would drop of an Error (it has no own enumerable fields): name, message, code, cause. */
function describeError(error: Error): Record<string, unknown> {
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  const causeCode = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  const inner =
    cause instanceof Error
      ? {
          name: cause.name,
          message: cause.message,
          ...(typeof causeCode === 'string' ? { code: causeCode } : {}),
        }
      : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(inner === undefined ? {} : { cause: inner }),
  };
}

/** Log data with Errors (the data itself, or its direct fields such as `{ err }`) made readable. */
function logData(data: unknown): unknown {
  if (data instanceof Error) return describeError(data);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const entries = Object.entries(data);
  if (!entries.some(([, v]) => v instanceof Error)) return data;
  return Object.fromEntries(entries.map(([k, v]) => [k, v instanceof Error ? describeError(v) : v]));
}

/**
 * `ctx.log`: lines go to the host's `log` capability, fire and forget (the host drops what exceeds the
 * plugin's log rate). A message is looked at by length before it is serialised; Errors in the data keep their
 * name, message, code and cause.
 */
export function createLog(send: (args: CapabilityOps['log']['args']) => Promise<void>): PluginContext['log'] {
  const line =
    (level: Level) =>
    (message: unknown, data?: unknown): void => {
      // typed as a string, but plugin JavaScript can pass anything
      const text = typeof message === 'string' ? message : String(message);
      if (text.length > MAX_LOG_READ_CHARS) {
        throw new CapabilityError(
          'ROKU_CAPABILITY_LIMIT',
          `ctx.log: a message of ${text.length} characters is refused (more than ${MAX_LOG_READ_CHARS})`,
        );
      }
      const cut = text.length > MAX_LOG_MESSAGE_CHARS ? `${text.slice(0, MAX_LOG_MESSAGE_CHARS)}…` : text;
      const args =
        data === undefined ? { level, message: cut } : { level, message: cut, data: logData(data) };
      send(args).catch(() => undefined);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
