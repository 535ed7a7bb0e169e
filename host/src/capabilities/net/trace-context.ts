import { randomBytes } from 'node:crypto';
import type { OutgoingRequest } from './outgoing.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const NO_TRACE = '0'.repeat(32);

/** The W3C trace id in a call's context (what the host passed with it), when there is a valid one. */
export function traceIdOfContext(context: unknown): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const id = (context as { traceId?: unknown }).traceId;
  return typeof id === 'string' && TRACE_ID.test(id) && id !== NO_TRACE ? id : undefined;
}

/**
 * The request with a W3C `traceparent` in the caller's trace (a new span id for this request, sampled), so an
 * upstream's tracing joins the trace of the run that called it. The host owns the header while it has a trace:
 * a plugin's own traceparent and tracestate are replaced.
 */
export function withTraceparent(request: OutgoingRequest, traceId: string | undefined): OutgoingRequest {
  if (traceId === undefined) return request;
  const headers = request.headers.filter((h) => h.name !== 'traceparent' && h.name !== 'tracestate');
  const value = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  return { ...request, headers: [...headers, { name: 'traceparent', value, sensitive: false }] };
}
