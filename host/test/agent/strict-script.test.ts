import { afterEach, describe, expect, it } from 'vitest';
import { expectScriptUsed } from '@roku/test-support';
import { cleanupAll, configFor, makeEnv, runGoal } from './helpers.js';
import type { ScriptStep } from './helpers.js';

afterEach(cleanupAll);

describe('the scripted provider in strict mode, as the agent tests use it', () => {
  it('fails a run whose model request the script has no step for, naming the request', async () => {
    const env = makeEnv(configFor({ script: [{ match: '^scripted', text: 'ok' }] }));
    const runtime = await env.open();
    expect((await runGoal(runtime, { goal: 'scripted goal' })).result.message).toBe('ok');
    const { result } = await runGoal(runtime, { goal: 'unscripted goal' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ROKU_PROVIDER_FAILED');
    expect(result.error?.message).toContain(
      'no step for model call 1 after the user message "unscripted goal" (0 steps fit it)',
    );
  });

  it('names the steps no request used, so a test that scripts more than happens fails', async () => {
    const script: ScriptStep[] = [
      { match: '^hi', text: 'hello' },
      { match: '^hi', text: 'a second answer nobody asks for' },
      { match: '^bye', text: 'bye' },
    ];
    const env = makeEnv(configFor({ script }));
    const runtime = await env.open();
    expect((await runGoal(runtime, { goal: 'hi there' })).result.message).toBe('hello');
    expect(() => {
      expectScriptUsed(env.home, script);
    }).toThrow(
      'scripted provider: 2 script step(s) never used:\n' +
        '  script[1] {"match":"^hi","text":"a second answer nobody asks for"}\n' +
        '  script[2] {"match":"^bye","text":"bye"}',
    );
    await runGoal(runtime, { goal: 'bye now' });
    expect(() => {
      expectScriptUsed(env.home, script);
    }).toThrow('1 script step(s) never used:\n  script[1]');
    // The helper checks again after the test: leave the check a script it accepts.
    env.writeConfig(configFor({ script, strict: false }));
  });

  it('fails the check when a strict script was configured but the provider was never asked', () => {
    const script: ScriptStep[] = [{ text: 'unheard' }];
    const env = makeEnv(configFor({ script }));
    expect(() => {
      expectScriptUsed(env.home, script);
    }).toThrow('a strict script of 1 step(s) was configured but no request reached it');
    env.writeConfig(configFor({ script, strict: false }));
  });
});
