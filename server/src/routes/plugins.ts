import { RokuError } from '@roku/schemas';
import type { InstallPlan } from '@roku/host';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { actorOf } from '../context.js';
import type { PluginAdmin } from '../plugins/admin.js';

interface InstallBody {
  specs: string[];
  grant: Record<string, string[]>;
  dryRun: boolean;
  allowDowngrade: boolean;
}

function adminOf(ctx: ServerContext): PluginAdmin {
  if (ctx.plugins === undefined) {
    throw new RokuError('ROKU_HTTP_NOT_FOUND', 'plugin administration is not available in this server');
  }
  return ctx.plugins;
}

/** Each changing plugin with the permission lines it would newly get (what a request must grant). */
function planRows(
  admin: PluginAdmin,
  plan: InstallPlan,
): { id: string; version: string; action: string; previousVersion: string | null; permissions: string[] }[] {
  return plan.installs
    .filter((i) => i.action !== 'unchanged')
    .map((i) => ({
      id: i.package.id,
      version: i.package.version,
      action: i.action,
      previousVersion: i.previousVersion ?? null,
      permissions: admin.permissionLines(i.diff),
    }));
}

const QUERY = (name: string, description: string): Record<string, unknown> => ({
  type: 'object',
  additionalProperties: false,
  required: [name],
  properties: { [name]: { type: 'string', minLength: 1, maxLength: 300, description } },
});

type Audit = (
  request: FastifyRequest,
  action: string,
  outcome: 'ok' | 'denied' | 'failed',
  target: string,
  details: unknown,
) => void;

/** POST /v1/plugins/install and /update: plan, the CLI's consent rule against the request's grant, apply, reload. */
function installRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  verb: 'install' | 'update',
  audit: Audit,
): void {
  const config = { scope: 'admin' as const };
  app.post<{ Body: InstallBody }>(
    `/v1/plugins/${verb}`,
    { config, schema: { tags: ['plugins'], body: ctx.bodies.pluginInstall } },
    async (request) => {
      const admin = adminOf(ctx);
      const installer = admin.installer();
      const { specs, grant, dryRun, allowDowngrade } = request.body;
      if (verb === 'update') {
        const installed = new Set((await installer.list()).map((p) => p.id));
        const missing = specs.find((id) => !installed.has(id));
        if (missing !== undefined) {
          throw new RokuError(
            'ROKU_INSTALL_NOT_INSTALLED',
            `body/specs: ${missing} is not installed, so it cannot be updated`,
            { details: { id: missing } },
          );
        }
      }
      const plan = await installer.plan(
        verb === 'update' ? specs.map((id) => ({ id, range: undefined, tag: 'latest' })) : specs,
        { frozen: false, allowDowngrade },
      );
      const rows = planRows(admin, plan);
      if (dryRun) return { dryRun: true, changed: false, plan: rows };
      // The CLI's consent rule: new code or new permissions need a grant; here the request names it, line by line.
      const refused = rows
        .map((r) => ({
          id: r.id,
          missing:
            grant[r.id] === undefined
              ? r.permissions
              : r.permissions.filter((p) => !(grant[r.id] ?? []).includes(p)),
          named: grant[r.id] !== undefined,
        }))
        .filter((r) => !r.named || r.missing.length > 0);
      if (refused.length > 0) {
        audit(request, `plugin.${verb}`, 'denied', specs.join(' '), { refused });
        throw new RokuError(
          'ROKU_INSTALL_DENIED',
          `body/grant: not ${verb === 'install' ? 'installed' : 'updated'}: ${refused.map((r) => (r.named ? `${r.id} asks for ${r.missing.map((m) => `"${m}"`).join(', ')}, not granted` : `${r.id} is not named in grant`)).join('; ')}`,
          { details: { refused, plan: rows } },
        );
      }
      if (rows.length > 0) {
        await installer.apply(plan, {
          // Checked again per plugin against the exact diff the installer applies.
          grant: (plugin, diff) =>
            admin.permissionLines(diff).every((line) => (grant[plugin.package.id] ?? []).includes(line)),
        });
        for (const r of rows)
          audit(request, 'plugin.grant', 'ok', r.id, { version: r.version, permissions: r.permissions });
      }
      audit(request, `plugin.${verb}`, 'ok', specs.join(' '), { plan: rows });
      const reload = rows.length > 0 ? await ctx.runtime.reload(`plugin ${verb} over HTTP`) : undefined;
      return {
        dryRun: false,
        changed: rows.length > 0,
        plan: rows,
        reload: reload === undefined ? null : { ok: reload.ok, reason: reload.reason },
      };
    },
  );
}

/** Plugin administration, one to one with `roku plugin list|info|search|install|update|uninstall|enable|disable` and a reload. */
export function pluginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const audit: Audit = (
    request: FastifyRequest,
    action: string,
    outcome: 'ok' | 'denied' | 'failed',
    target: string,
    details: unknown,
  ): void => {
    ctx.audit.record({
      actor: actorOf(request.token),
      action,
      outcome,
      requestId: request.id,
      traceId: request.traceId,
      target,
      details,
    });
  };
  const config = { scope: 'admin' as const };

  app.get('/v1/plugins', { config, schema: { tags: ['plugins'] } }, async () => ({
    ...((await adminOf(ctx).list()) as Record<string, unknown>),
    snapshot: ctx.runtime.snapshotInfo().plugins,
  }));
  app.get<{ Querystring: { spec: string } }>(
    '/v1/plugins/info',
    {
      config,
      schema: { tags: ['plugins'], querystring: QUERY('spec', 'Plugin id, optionally @range or @tag.') },
    },
    async (request) => adminOf(ctx).info(request.query.spec),
  );
  app.get<{ Querystring: { q: string } }>(
    '/v1/plugins/search',
    { config, schema: { tags: ['plugins'], querystring: QUERY('q', 'Text to search for.') } },
    async (request) => adminOf(ctx).search(request.query.q),
  );

  for (const verb of ['install', 'update'] as const) installRoute(app, ctx, verb, audit);

  for (const verb of ['uninstall', 'enable', 'disable'] as const) {
    app.post<{ Body: { ids: string[] } }>(
      `/v1/plugins/${verb}`,
      { config, schema: { tags: ['plugins'], body: ctx.bodies.pluginIds } },
      async (request) => {
        const installer = adminOf(ctx).installer();
        for (const id of request.body.ids) {
          if (verb === 'uninstall') await installer.uninstall(id);
          else await installer.setEnabled(id, verb === 'enable');
          audit(request, `plugin.${verb}`, 'ok', id, null);
        }
        const reload = await ctx.runtime.reload(`plugin ${verb} over HTTP`);
        return { ok: true, ids: request.body.ids, reload: { ok: reload.ok, reason: reload.reason } };
      },
    );
  }

  app.post('/v1/plugins/reload', { config, schema: { tags: ['plugins'] } }, async (request) => {
    const result = await ctx.runtime.reload('reload over HTTP');
    ctx.metrics.reloaded(result);
    audit(request, 'plugin.reload', result.ok ? 'ok' : 'failed', 'snapshot', { reason: result.reason });
    return {
      ok: result.ok,
      reason: result.reason,
      elapsedMs: result.elapsedMs,
      error: result.error ?? null,
      snapshot: result.snapshot,
    };
  });
}
