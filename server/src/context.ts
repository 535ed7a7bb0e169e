import type { AgentRuntime } from '@roku/host';
import type { PluginAdmin } from './plugins/admin.js';
import type { Logger } from 'pino';
import type { AuditLog } from './ops/audit-log.js';
import type { ServerMetrics } from './ops/metrics.js';
import type { TokenInfo, TokenScope, TokenStore } from './auth/tokens.js';
import type { RunManager } from './runs/run-manager.js';
import type { IdempotencyStore } from './runs/idempotency.js';
import type { BodyName } from './http/api-schemas.js';
import type { ServerDb } from './state/db.js';
import type { SessionOwners } from './auth/owners.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified bearer token; undefined on public routes. */
    token: TokenInfo | undefined;
    /** W3C trace id: from the request's traceparent, else a new one. */
    traceId: string;
  }
  interface FastifyContextConfig {
    /** The scope the route needs, or public (health, docs). */
    scope?: TokenScope | 'public';
  }
}

/** What the routes share. */
export interface ServerContext {
  readonly runtime: AgentRuntime;
  readonly manager: RunManager;
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly metrics: ServerMetrics;
  readonly idempotency: IdempotencyStore;
  /** Which token created each session (a token without admin sees only its own). */
  readonly owners: SessionOwners;
  readonly db: ServerDb;
  readonly logger: Logger;
  readonly bodies: Readonly<Record<BodyName, Record<string, unknown>>>;
  /** SSE comment sent after this long without an event. */
  readonly heartbeatMs: number;
  /** Origins run webhooks may call (roku serve --webhook-origin). */
  readonly webhookOrigins: ReadonlySet<string>;
  /** Plugin administration as the CLI does it; without it the plugin routes answer 404. */
  readonly plugins?: PluginAdmin;
}

/** `token:<id>`: who did something, in audit records, tickets and logs. */
export function actorOf(token: TokenInfo | undefined): string {
  return token === undefined ? 'anonymous' : `token:${token.id}`;
}
