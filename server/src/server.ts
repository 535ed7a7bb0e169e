import { isIP } from 'node:net';
import { Registry } from 'prom-client';
import { RokuError } from '@roku/schemas';
import { createAgentRuntime, createSandboxMetrics } from '@roku/host';
import type { AgentRuntime, AgentRuntimeOptions } from '@roku/host';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { createTokenStore } from './auth/tokens.js';
import { createSessionOwners } from './auth/owners.js';
import type { ServerContext } from './context.js';
import { loadBodySchemas } from './http/api-schemas.js';
import { createAuditLog } from './ops/audit-log.js';
import { createServerMetrics } from './ops/metrics.js';
import type { ServerMetrics } from './ops/metrics.js';
import type { AuditLog } from './ops/audit-log.js';
import { createRunTracing } from './ops/tracing.js';
import type { RunTracing } from './ops/tracing.js';
import type { PluginAdmin } from './plugins/admin.js';
import { createIdempotencyStore } from './runs/idempotency.js';
import { RunManager } from './runs/run-manager.js';
import { runJson } from './runs/server-run.js';
import { callWebhook } from './runs/webhook.js';
import { openServerDb } from './state/db.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7420;

export interface ServeOptions {
  /** How to build the agent (the CLI's options); the server adds its metrics registry. */
  readonly runtime: AgentRuntimeOptions;
  /** ROKU_HOME: the server keeps tokens, audit and idempotency keys in state/server.db there. */
  readonly home: string;
  readonly logger: Logger;
  /** Default 127.0.0.1; a non-loopback address needs an access token to exist. */
  readonly host?: string;
  /** Default 7420; 0 picks a free port. */
  readonly port?: number;
  /** Largest request body in bytes; default 1 MiB. */
  readonly bodyLimit?: number;
  /** Requests per token per minute; default 600. */
  readonly rateLimitPerMinute?: number;
  /** SSE heartbeat after this much silence; default 15 s. */
  readonly heartbeatMs?: number;
  /** On shutdown, how long runs in flight may take to finish before they are interrupted; default 30 s. */
  readonly graceMs?: number;
  readonly plugins?: PluginAdmin;
  /** OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces); default: no tracing. */
  readonly otlpTracesUrl?: string;
  /**
   * Origins (`scheme://host[:port]`) a run's webhook may call. None by default: a webhook is then refused, so a
   * chat token cannot make the server reach an address the operator did not name.
   */
  readonly webhookOrigins?: readonly string[];
  /** Builds the runtime; `createAgentRuntime` by default. */
  readonly createRuntime?: (options: AgentRuntimeOptions) => Promise<AgentRuntime>;
}

export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly runtime: AgentRuntime;
  /** Graceful shutdown: no new runs, running ones finish (or are interrupted after the grace), then close. */
  close(): Promise<void>;
}

/** Whether `host` only accepts local connections. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The run manager, with every run's events feeding metrics, traces and the audit of denials. */
function runManager(
  runtime: AgentRuntime,
  logger: Logger,
  metrics: ServerMetrics,
  audit: AuditLog,
  tracing: RunTracing,
): RunManager {
  return new RunManager({
    runtime,
    logger,
    onEvent: (run, event) => {
      metrics.observe(run, event);
      tracing.onEvent(run, event);
      if (event.type === 'ApprovalDecided' && event.decision === 'denied') {
        audit.record({
          actor: 'host',
          action: 'tool.denied',
          outcome: 'denied',
          sessionId: run.sessionId,
          runId: run.id,
          traceId: run.traceId,
          target: event.tool_name,
          details: { reason: event.reason ?? null, approvalId: event.approval_id },
        });
      }
    },
    onSandboxCall: (run, call) => {
      tracing.onSandboxCall(run, call);
    },
    onSettled: (run) => {
      tracing.onSettled(run);
      if (run.webhook !== undefined) {
        void callWebhook(
          run.webhook,
          runJson(run),
          logger.child({ runId: run.id, sessionId: run.sessionId }),
        );
      }
    },
  });
}

/**
 * Starts `roku serve`: the agent runtime, the run manager and the HTTP API on `host:port`.
 * @throws ROKU_HTTP_INSECURE_LISTEN, ROKU_HTTP_LISTEN_FAILED, the runtime's start errors
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const db = openServerDb(options.home);
  const tokens = createTokenStore(db);
  if (!isLoopback(host) && !tokens.hasActive()) {
    db.close();
    throw new RokuError(
      'ROKU_HTTP_INSECURE_LISTEN',
      `roku serve: refusing to listen on ${host} (not loopback) while no access token exists; create one with roku token create --scope chat`,
      { details: { host } },
    );
  }
  const logger = options.logger.child({ component: 'server' });
  const registry = new Registry();
  const runtime = await (options.createRuntime ?? createAgentRuntime)({
    ...options.runtime,
    metrics: createSandboxMetrics(registry),
  });
  const audit = createAuditLog(db);
  const metrics = createServerMetrics(registry, () => runtime.approvals({ status: 'pending' }).length);
  const owners = (): void => {
    metrics.setToolOwners(new Map(runtime.snapshotInfo().tools.map((t) => [t.name, t.pluginId])));
  };
  owners();
  const tracing = createRunTracing(options.otlpTracesUrl);
  const manager = runManager(runtime, logger, metrics, audit, tracing);
  const ctx: ServerContext = {
    runtime,
    manager,
    tokens,
    audit,
    metrics,
    idempotency: createIdempotencyStore(db),
    owners: createSessionOwners(db),
    db,
    logger,
    bodies: loadBodySchemas(),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    webhookOrigins: new Set(options.webhookOrigins ?? []),
    ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
  };
  const closeParts = async (): Promise<void> => {
    await tracing.close();
    await runtime.close();
    audit.flush();
    ctx.owners.flush();
    db.close();
  };
  let app: FastifyInstance;
  try {
    await runtime.watch((result) => {
      metrics.reloaded(result);
      owners();
    });
    app = await buildApp(ctx, {
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 600,
    });
    await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  } catch (err) {
    await closeParts();
    const code = (err as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new RokuError(
        'ROKU_HTTP_LISTEN_FAILED',
        `roku serve: cannot listen on ${host}:${options.port ?? DEFAULT_PORT}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    throw err;
  }
  const address = app.server.address();
  const port =
    typeof address === 'object' && address !== null ? address.port : (options.port ?? DEFAULT_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    app,
    runtime,
    close() {
      closing ??= (async () => {
        logger.info({ active: manager.active }, 'shutting down');
        await manager.drain(options.graceMs ?? 30_000);
        const closed = app.close();
        // Streams end with their runs; anything still open after a moment is cut.
        const timer = setTimeout(() => {
          app.server.closeAllConnections();
        }, 2000);
        await closed;
        clearTimeout(timer);
        await closeParts();
      })();
      return closing;
    },
  };
}
