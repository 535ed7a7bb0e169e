import { readFileSync, writeFileSync } from 'node:fs';
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
});
