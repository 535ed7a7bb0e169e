import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLUGINS, cleanupAll, configFor, makeEnv, rawPlugin, runGoal } from './helpers.js';

afterEach(cleanupAll);

/** A tool plugin whose settings schema has an `$id`; `greet` answers with its `greeting` setting. */
function greeter(dir: string): string {
  rawPlugin(
    dir,
    '@test/greeter',
    {
      tools: [
        {
          name: 'greet',
          description: 'Greets with the configured greeting.',
          inputSchema: { type: 'object', properties: {} },
          risk: ['read'],
        },
      ],
    },
    `{ 'tool:greet': async (_input, config) => 'greeting: ' + config.greeting }`,
  );
  const file = join(dir, 'roku.plugin.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const configSchema = {
    $id: 'https://example.test/greeter/config',
    type: 'object',
    properties: { greeting: { $ref: '#/$defs/word' } },
    required: ['greeting'],
    additionalProperties: false,
    $defs: { word: { type: 'string', minLength: 1 } },
  };
  writeFileSync(file, JSON.stringify({ ...manifest, configSchema }));
  return dir;
}

describe('agent runtime: plugin settings across reloads', () => {
  it('keeps a plugin whose configSchema has an $id through two reloads with new settings', async () => {
    const env = makeEnv(configFor({}));
    const dir = greeter(join(env.home, 'fixtures', 'greeter'));
    const withGreeting = (greeting: string): Record<string, unknown> =>
      configFor({
        devDirs: [PLUGINS.scripted, dir],
        plugins: { settings: { '@test/greeter': { greeting } } },
      });
    env.writeConfig(withGreeting('hello'));
    const runtime = await env.open();
    expect((await runGoal(runtime, { goal: 'greet' })).result.message).toContain('greeting: hello');

    for (const greeting of ['bonjour', 'hallo']) {
      env.writeConfig(withGreeting(greeting));
      const reload = await runtime.reload('settings changed');
      expect(reload.error).toBeUndefined();
      expect(reload.ok).toBe(true);
      expect((await runGoal(runtime, { goal: 'greet' })).result.message).toContain(`greeting: ${greeting}`);
    }
  });

  it('still refuses settings that do not match the schema, naming the plugin', async () => {
    const env = makeEnv(configFor({}));
    const dir = greeter(join(env.home, 'fixtures', 'greeter'));
    env.writeConfig(
      configFor({
        devDirs: [PLUGINS.scripted, dir],
        plugins: { settings: { '@test/greeter': { greeting: 'hi' } } },
      }),
    );
    const runtime = await env.open();
    env.writeConfig(
      configFor({
        devDirs: [PLUGINS.scripted, dir],
        plugins: { settings: { '@test/greeter': { greeting: '' } } },
      }),
    );
    const reload = await runtime.reload('bad settings');
    expect(reload.ok).toBe(false);
    expect(reload.error?.message).toContain('plugins.settings["@test/greeter"]');
    expect((await runGoal(runtime, { goal: 'greet' })).result.message).toContain('greeting: hi');
  });

  it('takes nothing of a config whose reload failed: auto-approve in it stays off', async () => {
    const env = makeEnv(configFor({}));
    // a plugin whose bundle throws at its top level: it cannot load, so a reload with it fails
    const broken = rawPlugin(
      join(env.home, 'fixtures', 'broken'),
      '@test/broken',
      {},
      `(() => { throw new Error('broken on purpose'); })()`,
    );
    const config = (devDirs: string[], autoApprove: boolean): Record<string, unknown> =>
      configFor({ devDirs: [PLUGINS.scripted, PLUGINS.toolsFs, ...devDirs], approvals: { autoApprove } });
    env.writeConfig(config([], false));
    const runtime = await env.open();
    env.writeConfig(config([broken], true));
    const reload = await runtime.reload('a broken plugin');
    expect(reload.ok).toBe(false);
    expect(reload.error?.message).toContain('@test/broken');
    const asked: string[] = [];
    const { result } = await runGoal(
      runtime,
      { goal: 'write_file {"path":"after.txt","content":"x"}', approvalMode: 'interactive' },
      {
        approve: (prompt) => {
          asked.push(prompt.toolName);
          return Promise.resolve('reject' as const);
        },
      },
    );
    expect(result.status).toBe('succeeded');
    expect(asked).toEqual(['write_file']);
    expect(existsSync(join(env.workspace, 'after.txt'))).toBe(false);
  });
});

describe('agent runtime: the limits each plugin runs under', () => {
  const SCRIPTED = '@roku/plugin-provider-scripted';
  const limitsOf = (runtime: { snapshotInfo(): { plugins: readonly { id: string; limits?: unknown }[] } }) =>
    runtime.snapshotInfo().plugins.find((p) => p.id === SCRIPTED)?.limits as
      { memoryMb: number; concurrency: number; callsAtOnce: number; boundBy?: string } | undefined;
  const withGrant = (limits: Record<string, number> | undefined): Record<string, unknown> =>
    configFor({
      devDirs: [PLUGINS.scripted],
      plugins: limits === undefined ? {} : { grants: { [SCRIPTED]: { limits } } },
    });

  it("shows the manifest's limits, the user's grants over them, and when memory bounds the calls at once", async () => {
    // the manifest: 32 MB and 8 calls at once, which its memory holds
    const env = makeEnv(withGrant(undefined));
    const runtime = await env.open();
    const stock = limitsOf(runtime);
    expect(stock).toMatchObject({ memoryMb: 32, concurrency: 8, callsAtOnce: 8 });
    expect(stock?.boundBy).toBeUndefined();

    // more calls at once than 32 MB hold: fewer run, and the summary says what to raise
    env.writeConfig(withGrant({ concurrency: 64 }));
    expect((await runtime.reload('more calls at once')).ok).toBe(true);
    const bound = limitsOf(runtime);
    expect(bound?.concurrency).toBe(64);
    expect(bound?.callsAtOnce).toBeGreaterThan(8);
    expect(bound?.callsAtOnce).toBeLessThan(64);
    expect(bound?.boundBy).toBe(
      `its 32 MB of memory hold ${bound?.callsAtOnce} calls at once: raise plugins.grants["${SCRIPTED}"].limits.memoryMb for more`,
    );

    // with the memory granted too, more of them run at once
    env.writeConfig(withGrant({ concurrency: 64, memoryMb: 128 }));
    expect((await runtime.reload('more memory')).ok).toBe(true);
    const granted = limitsOf(runtime);
    expect(granted).toMatchObject({ memoryMb: 128, concurrency: 64 });
    expect(granted?.callsAtOnce).toBeGreaterThan(bound?.callsAtOnce ?? 64);
  });
});
