import { afterEach, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/index.js';
import type { CheckResult, ConformanceReport } from '../../src/conformance/index.js';
import { brokenContext, brokenMemory, brokenProvider, brokenSubagent, brokenTool } from './broken-plugins.js';
import type { BrokenPlugin } from './broken-plugins.js';

let plugin: BrokenPlugin | undefined;
afterEach(() => {
  plugin?.remove();
  plugin = undefined;
});

/** The check named `name` failed, its message matching `message` and its fix containing `fix`. */
function expectFailure(
  report: ConformanceReport,
  name: string,
  message: string | RegExp | undefined,
  fix?: string,
): void {
  const found = result(report, name);
  expect(found.status, JSON.stringify(found)).toBe('fail');
  if (typeof message === 'string') expect(found.message).toContain(message);
  else if (message !== undefined) expect(found.message).toMatch(message);
  if (fix !== undefined) expect(found.fix).toContain(fix);
}

function result(report: ConformanceReport, name: string): CheckResult {
  const found = report.results.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no check named ${name}: ${JSON.stringify(report.results)}`);
  return found;
}

describe('a deliberately broken plugin fails its suite with a message that says what to fix', () => {
  it('a tool whose output breaks its outputSchema, and that throws a bare error when denied', async () => {
    plugin = brokenTool();
    const report = await runConformance(plugin.dir);
    expect(report.ok).toBe(false);
    expectFailure(
      report,
      'tool count: outputs match its outputSchema',
      /tool count called with \{\} returned .*\/count must be integer \(outputSchema\)/,
      'contributes.tools[name=count].outputSchema',
    );
    expect(result(report, 'tool peek: outputs match its outputSchema').status).toBe('pass');
    expectFailure(
      report,
      'fails cleanly beyond its grants',
      'with no permissions granted, tool peek',
      'catch ROKU_CAPABILITY_DENIED',
    );
  });

  it('a memory slot that shares records across sessions, ignores deletes and loses writes when full', async () => {
    plugin = brokenMemory();
    const report = await runConformance(plugin.dir);
    expect(result(report, 'recalls what it stored').status).toBe('pass');
    expectFailure(
      report,
      'isolates sessions',
      'was recalled in session conformance-b',
      'key records by the sessionId',
    );
    expect(result(report, 'isolates workspaces (users)').status).toBe('fail');
    expectFailure(report, 'honours deletes', 'yet recall still returns');
    expectFailure(
      report,
      'honours storage quotas',
      'records were silently lost',
      'never acknowledge a write you did not keep',
    );
  });

  it('a context engine that cuts a turn in half', async () => {
    plugin = brokenContext();
    const report = await runConformance(plugin.dir);
    expectFailure(
      report,
      'never orphans a tool result (or a tool call)',
      /message \[1\] is a tool result for "call_\d+" whose assistant tool call was dropped/,
      'drop its tool results too',
    );
    expect(result(report, 'keeps the system prompt').status).toBe('pass');
    expect(result(report, 'keeps the newest turn intact').status).toBe('pass');
    expectFailure(
      report,
      'keeps the promise of its hint',
      'came back otherwise than its answer followed by them',
      'send a hint only for what you would answer unchanged',
    );
  });

  it('a provider that does not stream, reports no usage and calls every error fatal', async () => {
    plugin = brokenProvider();
    const report = await runConformance(plugin.dir, {
      profile: { provider: { wire: 'openai-chat', settings: { baseURL: '{{origin}}/v1' } } },
    });
    expectFailure(
      report,
      'streams well-formed events that add up to the answer',
      'emitted no text-delta event',
      'ctx.emit({ type: "text-delta", text })',
    );
    expectFailure(report, 'reports usage', 'is not { inputTokens, outputTokens }');
    expectFailure(
      report,
      'maps HTTP 429 with retry-after to PROVIDER_RATE_LIMIT',
      '(PROVIDER_FATAL)',
      'PROVIDER_RATE_LIMIT',
    );
    expect(result(report, 'maps HTTP 401 to PROVIDER_AUTH_FAILED').status).toBe('fail');
  });

  it('a sub-agent runtime that ignores maxSteps', async () => {
    plugin = brokenSubagent();
    const report = await runConformance(plugin.dir);
    expect(result(report, 'returns the final answer of its run').status).toBe('pass');
    expectFailure(
      report,
      'stops within maxSteps',
      'with maxSteps 3, a model that never stops calling tools was called',
      'stop at input.maxSteps',
    );
  });
});
