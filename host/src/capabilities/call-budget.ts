import type { CapabilityLimits } from './policy.js';
import { overLimit } from './policy.js';

/** What one plugin call has used so far of its per-call network limits. */
export interface CallBudget {
  /** Counts one HTTP request; throws ROKU_CAPABILITY_LIMIT past `limits.httpRequestsPerCall`. */
  countRequest(callId: string): void;
  /** Counts response bytes; throws ROKU_CAPABILITY_LIMIT past `limits.httpResponseBytes`. */
  countBytes(callId: string, bytes: number): void;
  /** Forgets a finished call. */
  end(callId: string): void;
  clear(): void;
}

export function createCallBudget(pluginId: string, limits: () => CapabilityLimits): CallBudget {
  const counters = new Map<string, { requests: number; bytes: number }>();
  const counter = (callId: string): { requests: number; bytes: number } => {
    let entry = counters.get(callId);
    if (entry === undefined) {
      entry = { requests: 0, bytes: 0 };
      counters.set(callId, entry);
    }
    return entry;
  };
  return {
    countRequest(callId) {
      const entry = counter(callId);
      const limit = limits().httpRequestsPerCall;
      if (entry.requests >= limit) {
        throw overLimit(
          `${pluginId}: this call already made limits.httpRequestsPerCall = ${limit} HTTP requests`,
          { limit },
        );
      }
      entry.requests += 1;
    },
    countBytes(callId, bytes) {
      const entry = counter(callId);
      entry.bytes += bytes;
      const limit = limits().httpResponseBytes;
      if (entry.bytes > limit) {
        throw overLimit(
          `${pluginId}: HTTP responses of this call exceed limits.httpResponseBytes = ${limit}`,
          {
            limit,
          },
        );
      }
    },
    end(callId) {
      counters.delete(callId);
    },
    clear() {
      counters.clear();
    },
  };
}
