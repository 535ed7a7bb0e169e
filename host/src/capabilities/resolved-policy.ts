import { parseNetworkPatterns } from './net/origin-policy.js';
import type { NetworkPattern } from './net/origin-policy.js';
import { createSecretScanner } from './net/secret-scan.js';
import type { SecretScanner } from './net/secret-scan.js';
import { resolvePolicy } from './policy.js';
import type { Policy } from './policy.js';
import type { CapabilityBrokerOptions, PluginUserGrants } from './types.js';

/** What a broker derives from the manifest and the user's current grants. */
export interface ResolvedPolicy {
  readonly grants: PluginUserGrants | undefined;
  readonly policy: Policy;
  readonly patterns: NetworkPattern[];
  readonly scanner: SecretScanner;
}

/**
 * The policy in force now. The user's grants are asked for on every request, so a config reload takes effect
 * at once; what is derived from them is rebuilt only when the grants object changes (configs are frozen and
 * replaced on reload).
 */
export function createPolicyResolver(
  options: Pick<CapabilityBrokerOptions, 'manifest' | 'grants' | 'secrets' | 'logger'>,
): () => ResolvedPolicy {
  const pluginId = options.manifest.id;
  let resolved: ResolvedPolicy | undefined;
  return () => {
    const grants = options.grants?.();
    if (resolved !== undefined && resolved.grants === grants) return resolved;
    const policy = resolvePolicy(options.manifest, grants);
    const patterns = parseNetworkPatterns(policy.network, policy.userNetwork);
    if (patterns.length !== policy.network.length + policy.userNetwork.length) {
      options.logger.warn({ pluginId }, 'some network permission patterns are invalid and grant nothing');
    }
    const inert = patterns.filter((p) => p.inert !== undefined).map((p) => p.text);
    if (inert.length > 0) {
      options.logger.warn(
        { pluginId, patterns: inert },
        'manifest wildcards over shared hosting suffixes grant nothing unless plugins.grants names them',
      );
    }
    const held = new Map<string, string>();
    for (const name of policy.secrets) {
      const value = options.secrets[name];
      if (value !== undefined) held.set(name, value);
    }
    resolved = { grants, policy, patterns, scanner: createSecretScanner(held) };
    return resolved;
  };
}
