import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { LocalRegistry, RegistryConfig, ResolveOptions } from '../../src/index.js';
import { createLocalRegistry, lockFromPlan, parsePackageSpec, resolve } from '../../src/index.js';
import { publish } from '../local/helpers.js';

function localRegistry(): LocalRegistry {
  return createLocalRegistry(tempDir('resolve'));
}

function options(source: LocalRegistry, extra: Partial<ResolveOptions> = {}): ResolveOptions {
  return { registries: [{ name: 'main', scopes: [], source }], hostApiVersion: '0.1.0', ...extra };
}

const specs = (...list: string[]) => list.map((s) => parsePackageSpec(s));

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

describe('resolution', () => {
  it('prefers the highest version satisfying a range and follows dist-tags', async () => {
    const r = localRegistry();
    for (const v of ['1.0.0', '1.2.0', '1.10.0', '2.0.0']) await publish(r, '@acme/a', v);
    await publish(r, '@acme/a', '3.0.0-beta.1');
    await r.setDistTag('@acme/a', 'beta', '3.0.0-beta.1');
    const byRange = await resolve(specs('@acme/a@^1.0.0'), options(r));
    expect(byRange.packages.map((p) => p.version)).toEqual(['1.10.0']);
    expect((await resolve(specs('@acme/a'), options(r))).packages[0]?.version).toBe('2.0.0');
    expect((await resolve(specs('@acme/a@beta'), options(r))).packages[0]?.version).toBe('3.0.0-beta.1');
    const missingTag = await rejection(resolve(specs('@acme/a@next'), options(r)));
    expect(missingTag.code).toBe('ROKU_REGISTRY_NO_MATCH');
    expect(missingTag.message).toContain("no dist-tag 'next'");
  });

  it('fills the plan from the index: registry, integrity, archive, signatures, manifest summary', async () => {
    const r = localRegistry();
    await publish(r, '@acme/a', '1.0.0');
    const doc = await r.getDocument('@acme/a');
    const [pkg] = (await resolve(specs('@acme/a@1'), options(r))).packages;
    expect(pkg).toEqual({
      id: '@acme/a',
      version: '1.0.0',
      registry: 'main',
      integrity: doc?.versions['1.0.0']?.integrity,
      archive: '-/a-1.0.0.tgz',
      signatures: [{ keyId: 'key-1', signature: 'c2lnbmF0dXJl' }],
      manifestSummary: doc?.versions['1.0.0']?.manifest,
      requested: true,
      dependencyOf: [],
    });
  });

  it('never picks a yanked version for a range, but allows it by exact version with a warning', async () => {
    const r = localRegistry();
    await publish(r, '@acme/a', '1.0.0');
    await publish(r, '@acme/a', '1.1.0');
    await r.yank('@acme/a', '1.1.0');
    const ranged = await resolve(specs('@acme/a@^1.0.0'), options(r));
    expect(ranged.packages[0]?.version).toBe('1.0.0');
    expect(ranged.warnings).toEqual([]);
    const exact = await resolve(specs('@acme/a@1.1.0'), options(r));
    expect(exact.packages[0]?.version).toBe('1.1.0');
    expect(exact.warnings).toEqual([
      { id: '@acme/a', version: '1.1.0', message: expect.stringContaining('yanked') as unknown },
    ]);
    const none = await rejection(resolve(specs('@acme/a@>1.0.0'), options(r)));
    expect(none.code).toBe('ROKU_REGISTRY_NO_MATCH');
    expect(none.message).toContain('>1.0.0');
    expect(none.message).toContain('available: 1.0.0; yanked: 1.1.0');
  });

  it('skips versions whose engines.roku refuses the host, and reports when none fits', async () => {
    const r = localRegistry();
    await publish(r, '@acme/a', '1.0.0', { engines: '^0.1.0' });
    await publish(r, '@acme/a', '1.1.0', { engines: '^0.2.0' });
    await publish(r, '@acme/b', '1.0.0', { engines: '>=1.0.0' });
    expect((await resolve(specs('@acme/a@^1'), options(r))).packages[0]?.version).toBe('1.0.0');
    const err = await rejection(resolve(specs('@acme/b'), options(r)));
    expect(err.code).toBe('ROKU_REGISTRY_ENGINE_MISMATCH');
    expect(err.message).toContain('0.1.0');
    expect(err.message).toContain('1.0.0 needs >=1.0.0');
  });

  it('resolves dependencies transitively, one version per plugin, recording who depends on whom', async () => {
    const r = localRegistry();
    await publish(r, '@acme/app', '1.0.0', {
      dependencies: { '@acme/http': '^1.0.0', '@acme/log': '~2.1.0' },
    });
    await publish(r, '@acme/http', '1.0.0', { dependencies: { '@acme/log': '^2.0.0' } });
    await publish(r, '@acme/http', '1.4.0', { dependencies: { '@acme/log': '^2.0.0' } });
    for (const v of ['2.0.0', '2.1.3', '2.2.0']) await publish(r, '@acme/log', v);
    const plan = await resolve(specs('@acme/app'), options(r));
    expect(plan.packages.map((p) => [p.id, p.version, p.requested, p.dependencyOf])).toEqual([
      ['@acme/app', '1.0.0', true, []],
      ['@acme/http', '1.4.0', false, ['@acme/app']],
      ['@acme/log', '2.1.3', false, ['@acme/app', '@acme/http']],
    ]);
  });

  it('reports conflicting ranges with who asked for what', async () => {
    const r = localRegistry();
    await publish(r, '@acme/log', '1.0.0');
    await publish(r, '@acme/log', '2.0.0');
    await publish(r, '@acme/http', '1.0.0', { dependencies: { '@acme/log': '^2.0.0' } });
    const err = await rejection(resolve(specs('@acme/log@^1.0.0', '@acme/http'), options(r)));
    expect(err.code).toBe('ROKU_REGISTRY_CONFLICT');
    expect(err.message).toContain('^1.0.0 (from (request))');
    expect(err.message).toContain('^2.0.0 (from @acme/http@1.0.0)');
    expect(err.details.requests).toEqual([
      { from: '(request)', range: '^1.0.0', tag: undefined },
      { from: '@acme/http@1.0.0', range: '^2.0.0', tag: undefined },
    ]);
  });

  it('reports a dependency cycle by naming it', async () => {
    const r = localRegistry();
    await publish(r, '@acme/a', '1.0.0', { dependencies: { '@acme/b': '^1.0.0' } });
    await publish(r, '@acme/b', '1.0.0', { dependencies: { '@acme/a': '^1.0.0' } });
    const err = await rejection(resolve(specs('@acme/a'), options(r)));
    expect(err.code).toBe('ROKU_REGISTRY_CYCLE');
    expect(err.message).toBe('dependency cycle: @acme/a → @acme/b → @acme/a');
  });

  it('reports unknown plugins, including unknown dependencies', async () => {
    const r = localRegistry();
    await publish(r, '@acme/a', '1.0.0', { dependencies: { '@acme/gone': '^1.0.0' } });
    expect((await rejection(resolve(specs('@acme/nope'), options(r)))).code).toBe('ROKU_REGISTRY_NOT_FOUND');
    const err = await rejection(resolve(specs('@acme/a'), options(r)));
    expect(err.code).toBe('ROKU_REGISTRY_NOT_FOUND');
    expect(err.message).toContain('@acme/gone');
  });

  it('asks only the registry that owns a scope, never the default one', async () => {
    const main = localRegistry();
    const acme = localRegistry();
    await publish(main, '@acme/secret', '9.9.9');
    await publish(main, '@pub/tool', '1.0.0', { dependencies: { '@acme/lib': '^1.0.0' } });
    await publish(acme, '@acme/lib', '1.0.0');
    const registries: RegistryConfig[] = [
      { name: 'main', scopes: [], source: main },
      { name: 'acme', scopes: ['@acme'], source: acme },
    ];
    const err = await rejection(resolve(specs('@acme/secret'), { registries, hostApiVersion: '0.1.0' }));
    expect(err.code).toBe('ROKU_REGISTRY_NOT_FOUND');
    expect(err.message).toBe("@acme/secret is not in registry 'acme' (the only registry for @acme)");
    const plan = await resolve(specs('@pub/tool'), { registries, hostApiVersion: '0.1.0' });
    expect(plan.packages.map((p) => [p.id, p.registry])).toEqual([
      ['@acme/lib', 'acme'],
      ['@pub/tool', 'main'],
    ]);
  });

  it('refuses registry lists where two registries claim one scope', async () => {
    const r = localRegistry();
    const err = await rejection(
      resolve(specs('@acme/a'), {
        registries: [
          { name: 'one', scopes: ['@acme'], source: r },
          { name: 'two', scopes: ['@acme'], source: r },
        ],
        hostApiVersion: '0.1.0',
      }),
    );
    expect(err.code).toBe('ROKU_REGISTRY_BAD_SOURCES');
  });

  it('keeps locked and installed versions while they still satisfy the requests', async () => {
    const r = localRegistry();
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await publish(r, '@acme/a', v);
    const first = await resolve(specs('@acme/a@1.0.0'), options(r));
    const locked = lockFromPlan(first, {});
    expect((await resolve(specs('@acme/a@^1'), options(r, { locked }))).packages[0]?.version).toBe('1.0.0');
    const installed = { '@acme/a': '1.1.0' };
    expect((await resolve(specs('@acme/a@^1'), options(r, { installed }))).packages[0]?.version).toBe(
      '1.1.0',
    );
    expect((await resolve(specs('@acme/a@^1.2'), options(r, { locked }))).packages[0]?.version).toBe('1.2.0');
  });

  it('moves a shared dependency when a later request narrows it', async () => {
    const r = localRegistry();
    for (const v of ['1.0.0', '1.5.0', '2.0.0']) await publish(r, '@acme/log', v);
    await publish(r, '@acme/a', '1.0.0', { dependencies: { '@acme/log': '>=1.0.0' } });
    await publish(r, '@acme/b', '1.0.0', { dependencies: { '@acme/log': '^1.0.0' } });
    const plan = await resolve(specs('@acme/a', '@acme/b'), options(r));
    expect(plan.packages.find((p) => p.id === '@acme/log')?.version).toBe('1.5.0');
  });
});
