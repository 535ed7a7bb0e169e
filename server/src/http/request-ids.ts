import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The trace id of a W3C `traceparent` header, or a new random one (all-zero ids are invalid per the spec). */
export function traceIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim().toLowerCase());
  const id = match?.[1];
  // A v4 UUID's 122 random bits from node's pooled entropy: a tenth of the cost of randomBytes(16) per request.
  return id !== undefined && !/^0+$/.test(id) ? id : randomUUID().replaceAll('-', '');
}

/** The trace and parent span ids of a valid W3C `traceparent` header. */
export function traceParentOf(
  header: string | string[] | undefined,
): { traceId: string; spanId: string } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match =
    value === undefined
      ? null
      : /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value.trim().toLowerCase());
  if (match === null || /^0+$/.test(match[1] ?? '') || /^0+$/.test(match[2] ?? '')) return undefined;
  return { traceId: match[1] as string, spanId: match[2] as string };
}

/** `{ traceParent }` of a valid traceparent header, else nothing: a run's parent span. */
export function runParentOf(header: string | string[] | undefined): {
  traceParent?: { traceId: string; spanId: string };
} {
  const parent = traceParentOf(header);
  return parent === undefined ? {} : { traceParent: parent };
}

/** The client's X-Request-Id when it is a plain token, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
