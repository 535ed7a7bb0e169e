import { describe, expect, it } from 'vitest';
import { inProcessCli } from './helpers.js';

const SCRIPTED = '@roku/plugin-provider-scripted';

describe('plugin settings and slot names a run cannot use', () => {
  it('names the provider plugin, the settings path and the problem instead of "install a provider"', async () => {
    const cli = await inProcessCli({ settings: { [SCRIPTED]: { script: 5 } } });
    const r = await cli.run(['run', 'hello']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `roku: no LLM provider is loaded: ${SCRIPTED} is left out: plugins.settings["${SCRIPTED}"]: /script must be array; fix these settings in the host config (roku doctor checks them) [ROKU_CONFIG_INVALID]`,
    );
    expect(r.stderr).not.toContain('ROKU_NO_PROVIDER');
    expect(r.stderr).not.toMatch(/"stack"|at .*\.js:\d+/);
  });

  it('warns about a misspelt memory slot or context engine with the nearest loaded name', async () => {
    const cli = await inProcessCli({
      plugins: {
        memorySlot: '@roku/plugin-memory-sesion',
        contextEngine: '@roku/plugin-context-defualt',
      },
    });
    const r = await cli.run(['run', 'hello']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'warning: memory slot: @roku/plugin-memory-sesion (plugins.memorySlot) is not loaded (did you mean @roku/plugin-memory-session?); using the default @roku/plugin-memory-session',
    );
    expect(r.stderr).toContain(
      'warning: context engine: @roku/plugin-context-defualt (plugins.contextEngine) is not loaded (did you mean @roku/plugin-context-default?); using the default @roku/plugin-context-default',
    );
  });
});
