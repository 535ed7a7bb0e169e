import type { Logger } from 'pino';
import { truncateUtf8 } from './policy.js';
import { sanitizePluginText, sanitizePluginValue } from './sanitize.js';

/** Lines a plugin may log per second on average. */
export const LOG_RATE_PER_SECOND = 50;
/** Lines a plugin may log in a burst. */
export const LOG_BURST = 100;
/** Longest log message kept, in bytes; longer ones are cut. */
export const MAX_LOG_MESSAGE_BYTES = 4 * 1024;
/** Largest `data` kept, in bytes of JSON; larger data is replaced by a cut preview. */
export const MAX_LOG_DATA_BYTES = 16 * 1024;

export interface PluginLogSink {
  /**
   * Writes one line; `count` is told its bytes (message and data as kept) first and may refuse it by throwing
   * (limits.logBytesPerMinute), in which case nothing is written.
   */
  write(
    callId: string,
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    data: unknown,
    count?: (bytes: number) => void,
  ): void;
}

/**
 * Writes a plugin's log lines to `logger.child({ pluginId, callId })`, rate-limited by a token bucket: lines
 * beyond the rate are dropped, with one warning per run of drops (a run ends when the bucket is full again). Long messages and data are truncated.
 */
export function createPluginLogSink(
  logger: Logger,
  pluginId: string,
  pluginKey: string,
  now: () => number = () => performance.now(),
): PluginLogSink {
  let tokens = LOG_BURST;
  let last = now();
  let dropping = false;
  let droppingBytes = false;

  const take = (): boolean => {
    const t = now();
    tokens = Math.min(LOG_BURST, tokens + ((t - last) / 1000) * LOG_RATE_PER_SECOND);
    last = t;
    // A run of drops ends once the plugin has been quiet long enough to refill the whole bucket.
    if (tokens >= LOG_BURST) dropping = false;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  return {
    write(callId, level, message, data, count) {
      const child = logger.child({ pluginId, pluginKey, callId });
      if (!take()) {
        if (!dropping) {
          dropping = true;
          child.warn(
            { ratePerSecond: LOG_RATE_PER_SECOND, burst: LOG_BURST },
            'plugin log rate exceeded; dropping lines',
          );
        }
        return;
      }
      const fields: Record<string, unknown> = { source: 'plugin' };
      let dataBytes = 0;
      if (data !== undefined) {
        let json: string;
        try {
          json = JSON.stringify(data);
        } catch {
          json = '"[unserializable]"';
        }
        dataBytes = Math.min(Buffer.byteLength(json, 'utf8'), MAX_LOG_DATA_BYTES);
        if (Buffer.byteLength(json, 'utf8') <= MAX_LOG_DATA_BYTES) fields.data = sanitizePluginValue(data);
        else {
          fields.data = {
            truncated: true,
            preview: sanitizePluginText(truncateUtf8(json, MAX_LOG_DATA_BYTES)),
          };
        }
      }
      const text =
        Buffer.byteLength(message, 'utf8') <= MAX_LOG_MESSAGE_BYTES
          ? message
          : `${truncateUtf8(message, MAX_LOG_MESSAGE_BYTES)}…[truncated]`;
      try {
        count?.(Buffer.byteLength(text, 'utf8') + dataBytes);
      } catch (err) {
        if (!droppingBytes) {
          droppingBytes = true;
          child.warn(
            { reason: (err as Error).message },
            'plugin log bytes per minute exceeded; dropping lines',
          );
        }
        throw err;
      }
      droppingBytes = false;
      child[level](fields, sanitizePluginText(text));
    },
  };
}
