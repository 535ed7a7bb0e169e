import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@roku/host';
import { tempDir } from '@roku/test-support';
import { startServer } from '../src/index.js';
import { testServer, writeConfig } from './support.js';

describe('operations', () => {
  it('exposes Prometheus metrics derived from the runs, with process metrics', async () => {
    const t = await testServer();
    await t.call('/v1/sessions/m1/runs', { json: { goal: 'echo counted', mode: 'wait' } });
    const text = await (await t.call('/metrics', { token: t.token(['metrics']) })).text();
    expect(text).toMatch(/^roku_run_ttft_seconds_count 1$/m);
    expect(text).toMatch(/^roku_run_duration_seconds_count\{status="succeeded"\} 1$/m);
    expect(text).toMatch(/^roku_model_requests_total\{provider="scripted",model="scripted-1"\} 2$/m);
    expect(text).toMatch(
      /^roku_tool_calls_total\{plugin="@roku\/example-tool-echo",tool="echo",outcome="ok"\} 1$/m,
    );
    expect(text).toMatch(/^roku_tokens_total\{model="scripted\/scripted-1",kind="prompt"\} [1-9]/m);
    expect(text).toMatch(/^roku_approvals_pending 0$/m);
    // The spec's §10.1 counters the loop events carry: cache breaks, slot fallbacks, compaction failures.
    for (const name of [
      'roku_cache_breaks_total',
      'roku_plugin_fallbacks_total',
      'roku_compaction_failures_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toMatch(/^roku_compaction_failures_total 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });

  it('serves an OpenAPI 3.1 document built from the request schemas, and its docs page, without a token', async () => {
    const t = await testServer();
    const doc = (await (await t.call('/openapi.json', { token: null })).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const createRun = doc.paths['/v1/sessions/{id}/runs']?.post;
    expect(createRun?.requestBody?.content['application/json']?.schema.required).toEqual(['goal']);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/chat/completions',
        '/v1/responses',
        '/v1/approvals/{id}/approve',
        '/v1/plugins/install',
        '/metrics',
      ]),
    );
    const page = await t.call('/docs/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('refuses to listen on a non-loopback address while no token exists', async () => {
    const home = tempDir('serve-insecure');
    writeConfig(home);
    const env = { ROKU_HOME: home };
    const logger = pino({ level: 'silent' });
    const started = startServer({
      runtime: { config: loadConfig({ env }).config, home, workspace: home, logger, env },
      home,
      logger,
      host: '0.0.0.0',
      port: 0,
    });
    await expect(started).rejects.toMatchObject({
      code: 'ROKU_HTTP_INSECURE_LISTEN',
      details: { host: '0.0.0.0' },
    });
  });
});
