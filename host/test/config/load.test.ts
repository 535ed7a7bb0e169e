import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { loadConfig } from '../../src/index.js';

function home(config?: unknown): string {
  const dir = tempDir('config');
  if (config !== undefined) {
    writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  }
  return dir;
}

function errorOf(run: () => unknown): { code: string; message: string; details?: { issues?: unknown[] } } {
  try {
    run();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('host configuration', () => {
  it('starts from documented defaults when no file exists', () => {
    const loaded = loadConfig({ env: { ROKU_HOME: home() } });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.agent).toEqual({
      stepBudget: 200,
      recoveryBudget: 5,
      contextWindowTokens: 200000,
      compactThresholdRatio: 0.75,
      defaultModel: '',
      provider: '',
      toolResultMaxChars: 65536,
      deferToolsAboveTokens: 20000,
      subagentMaxSteps: 10,
      subagentTimeoutMs: 120000,
      subagentResultMaxChars: 4000,
      providerTimeoutMs: 300000,
      maxRetries: 5,
      initialBackoffMs: 200,
      maxBackoffMs: 30000,
      breakerFailureThreshold: 4,
      breakerCooldownMs: 30000,
      rememberExchanges: false,
    });
    expect(loaded.config.storage).toEqual({ traceMaxBytes: 4194304, traceRetentionDays: 30 });
    expect(loaded.config.sandbox?.quarantine).toEqual({ failures: 3, windowMs: 600000 });
    expect(Object.isFrozen(loaded.config.agent)).toBe(true);
  });

  it('reads the file and lets ROKU_CONFIG__ variables override it', () => {
    const dir = home({ agent: { stepBudget: 30 }, server: { port: 9000 } });
    const loaded = loadConfig({
      env: { ROKU_HOME: dir, ROKU_CONFIG__AGENT__STEP_BUDGET: '2', ROKU_CONFIG__LOG__LEVEL: 'debug' },
    });
    expect(loaded.config.agent?.stepBudget).toBe(2);
    expect(loaded.config.server?.port).toBe(9000);
    expect(loaded.config.log?.level).toBe('debug');
    expect(loaded.envKeys).toEqual(expect.arrayContaining(['ROKU_CONFIG__AGENT__STEP_BUDGET']));
  });

  it('lets the canonical variable beat its short alias', () => {
    const loaded = loadConfig({
      env: { ROKU_HOME: home(), ROKU_AUTO_APPROVE: 'true', ROKU_CONFIG__APPROVALS__AUTO_APPROVE: 'false' },
    });
    expect(loaded.config.approvals?.autoApprove).toBe(false);
  });

  it('names the unknown key, its file and the nearest valid key', () => {
    const dir = home({ sever: { port: 1 } });
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: dir } }));
    expect(err.code).toBe('ROKU_CONFIG_INVALID');
    expect(err.message).toContain(
      `${join(dir, 'config.json')}: /sever is not a known field (did you mean 'server'?)`,
    );
  });

  it('names the variable that carries a bad value and what was expected', () => {
    const err = errorOf(() =>
      loadConfig({ env: { ROKU_HOME: home(), ROKU_CONFIG__AGENT__STEP_BUDGET: 'lots' } }),
    );
    expect(err.message).toContain('ROKU_CONFIG__AGENT__STEP_BUDGET must be a integer');
  });

  it('blames the variable when its value is out of range', () => {
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: home(), ROKU_CONFIG__SERVER__PORT: '70000' } }));
    expect(err.message).toContain('environment ROKU_CONFIG__SERVER__PORT: /server/port must be <= 65535');
  });

  it('suggests the nearest key for a misspelt variable', () => {
    const err = errorOf(() =>
      loadConfig({ env: { ROKU_HOME: home(), ROKU_CONFIG__AGENT__STEP_BUDGT: '3' } }),
    );
    expect(err.message).toContain('did you mean STEP_BUDGET?');
  });

  it('reports every problem at once', () => {
    const dir = home({ agent: { stepBudget: 0, compactThresholdRatio: 2 }, log: { level: 'loud' } });
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: dir } }));
    expect(err.details?.issues).toHaveLength(3);
  });

  it('refuses malformed JSON with its own code', () => {
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: home('{"agent": ') } }));
    expect(err.code).toBe('ROKU_CONFIG_MALFORMED');
  });

  it('refuses an explicit file that does not exist', () => {
    const err = errorOf(() =>
      loadConfig({ env: { ROKU_HOME: home(), ROKU_CONFIG_FILE: '/nonexistent/roku.json' } }),
    );
    expect(err.code).toBe('ROKU_CONFIG_NOT_FOUND');
  });

  it('refuses secrets in plugin settings', () => {
    const dir = home({ plugins: { settings: { '@acme/weather': { apiKey: 'sk-123' } } } });
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: dir } }));
    expect(err.message).toContain('/plugins/settings/@acme~1weather/apiKey looks like a secret');
  });

  it('refuses plugin settings with a key given twice or a number that would round, naming where', () => {
    const dup = home('{"plugins":{"settings":{"@acme/w":{"units":"metric","units":"imperial"}}}}');
    const err = errorOf(() => loadConfig({ env: { ROKU_HOME: dup } }));
    expect(err.code).toBe('ROKU_CONFIG_MALFORMED');
    expect(err.message).toContain('/plugins/settings/@acme~1w/units key "units" appears twice');
    const big = home('{"plugins":{"settings":{"@acme/w":{"max":9007199254740993}}}}');
    expect(errorOf(() => loadConfig({ env: { ROKU_HOME: big } })).message).toContain(
      '@acme~1w/max 9007199254740993',
    );
  });

  it('lists the problems of the file and of every bad override at once', () => {
    const dir = home({ agent: { stepBudget: 'many' } });
    const err = errorOf(() =>
      loadConfig({
        env: {
          ROKU_HOME: dir,
          ROKU_CONFIG__AGENT__MAX_RETRIES: '-3',
          ROKU_CONFIG__AGENT__NOPE: '1',
        },
      }),
    );
    expect(err.code).toBe('ROKU_CONFIG_INVALID');
    expect(err.message).toContain('/agent/stepBudget');
    expect(err.message).toContain('environment ROKU_CONFIG__AGENT__MAX_RETRIES: /agent/maxRetries');
    expect(err.message).toContain('ROKU_CONFIG__AGENT__NOPE');
  });
});
