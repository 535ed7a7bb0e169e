import semver from 'semver';
import type { ValidationIssue } from './validation.js';
import { joinPointer } from './validation.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { forbiddenHostProblem, forbiddenWildcardProblem } from './network-rules.js';
import { checkPluginSchema } from './plugin-schema.js';

type Json = Record<string, unknown>;

const NETWORK_SCHEMES = new Set(['http', 'https', 'ws', 'wss']);
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Why a network pattern is not `scheme://host[:port]`, or undefined when it is fine. */
export function networkPatternProblem(pattern: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(pattern);
  if (match === null) return 'must be scheme://host[:port], e.g. https://api.example.com';
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  if (!NETWORK_SCHEMES.has(scheme)) return `has scheme '${scheme}'; allowed are http, https, ws and wss`;
  if (rest.includes('@'))
    return 'must not contain credentials (user:password@); use a secret reference instead';
  if (/[/?#]/.test(rest)) return 'must not contain a path, query or fragment: permissions name origins only';
  let host = rest;
  let port: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return 'has an unterminated IPv6 literal';
    host = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return 'has text after the IPv6 literal';
    port = after === '' ? undefined : after.slice(1);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = rest.slice(colon + 1);
    }
  }
  if (port !== undefined && port !== '*') {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) return `has port '${port}'; expected 1-65535 or *`;
  }
  if (host === '') return 'has no host';
  if (host === '*') return undefined;
  if (!host.startsWith('[')) {
    const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
    if (!labels.every((label) => HOST_LABEL.test(label))) {
      return `has host '${host}'; expected a DNS name (optionally starting with *.) or an IP address`;
    }
  }
  const forbidden = host.startsWith('*.')
    ? forbiddenWildcardProblem(host.slice(2))
    : forbiddenHostProblem(host);
  if (forbidden !== undefined) {
    return `can never be granted: ${forbidden}; metadata services and link-local addresses are unreachable`;
  }
  return undefined;
}

/** Why a path is not a plain relative path, or undefined when it is fine. */
export function relativePathProblem(path: string): string | undefined {
  if (path.includes('\0')) return 'must not contain NUL characters';
  if (path.includes('\\')) return 'must use forward slashes';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) {
    return 'must be relative to its root, not absolute';
  }
  if (path.split('/').includes('..')) return "must not contain '..' segments";
  return undefined;
}

function duplicateNames(items: unknown[], base: string, key: string, code: string): ValidationIssue[] {
  const seen = new Map<string, number>();
  const issues: ValidationIssue[] = [];
  items.forEach((item, index) => {
    const name = asObject(item)?.[key];
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else
      issues.push({
        code,
        path: joinPointer(base, index, key),
        message: `'${name}' is already used at ${base}/${first}`,
      });
  });
  return issues;
}

/**
 * Rules JSON Schema cannot express: semver, ranges, network patterns, paths, unique names and
 * the validity of schemas the plugin ships. Written defensively: the document may also fail the schema.
 */
export function manifestRuleIssues(
  doc: unknown,
  pluginSchemaAjv?: Ajv2020,
  compileSchemas = true,
): ValidationIssue[] {
  const manifest = asObject(doc);
  if (manifest === undefined) return [];
  const issues: ValidationIssue[] = [];
  const push = (code: string, path: string, message: string): void => {
    issues.push({ code, path, message });
  };

  const { version, id } = manifest;
  if (typeof version === 'string' && semver.valid(version) !== version) {
    push('ROKU_MANIFEST_BAD_VERSION', '/version', `'${version}' is not a semantic version like 1.2.3`);
  }
  const range = asObject(manifest.engines)?.roku;
  if (typeof range === 'string' && semver.validRange(range) === null) {
    push('ROKU_MANIFEST_BAD_RANGE', '/engines/roku', `'${range}' is not a semver range like ^0.1.0`);
  }
  for (const [dep, depRange] of Object.entries(asObject(manifest.dependencies) ?? {})) {
    const path = joinPointer('/dependencies', dep);
    if (dep === id) push('ROKU_MANIFEST_SELF_DEPENDENCY', path, 'a plugin cannot depend on itself');
    if (typeof depRange === 'string' && semver.validRange(depRange) === null) {
      push('ROKU_MANIFEST_BAD_RANGE', path, `'${depRange}' is not a semver range`);
    }
  }

  const runtime = asObject(manifest.runtime);
  if (typeof runtime?.entry === 'string') {
    const problem = relativePathProblem(runtime.entry);
    if (problem !== undefined) push('ROKU_MANIFEST_BAD_PATH', '/runtime/entry', problem);
    const wanted = runtime.type === 'wasm' ? /\.wasm$/ : /\.(c|m)?js$/;
    if ((runtime.type === 'wasm' || runtime.type === 'isolate') && !wanted.test(runtime.entry)) {
      const ext = runtime.type === 'wasm' ? '.wasm' : '.js';
      push(
        'ROKU_MANIFEST_ENTRY_MISMATCH',
        '/runtime/entry',
        `must end in ${ext} for runtime type '${runtime.type}'`,
      );
    }
  }

  const permissions = asObject(manifest.permissions);
  asArray(permissions?.network).forEach((pattern, index) => {
    if (typeof pattern !== 'string') return;
    const problem = networkPatternProblem(pattern);
    if (problem !== undefined)
      push('ROKU_MANIFEST_BAD_NETWORK_PATTERN', `/permissions/network/${index}`, problem);
  });
  asArray(permissions?.filesystem).forEach((grant, index) => {
    const path = asObject(grant)?.path;
    if (typeof path !== 'string') return;
    const problem = relativePathProblem(path);
    if (problem !== undefined)
      push('ROKU_MANIFEST_BAD_PATH', `/permissions/filesystem/${index}/path`, problem);
  });

  const contributes = asObject(manifest.contributes);
  if (typeof contributes?.skills === 'string') {
    const problem = relativePathProblem(contributes.skills);
    if (problem !== undefined) push('ROKU_MANIFEST_BAD_PATH', '/contributes/skills', problem);
  }
  const tools = asArray(contributes?.tools);
  issues.push(...duplicateNames(tools, '/contributes/tools', 'name', 'ROKU_MANIFEST_DUPLICATE_NAME'));
  for (const kind of ['providers', 'subagentRuntimes', 'bridges']) {
    issues.push(
      ...duplicateNames(
        asArray(contributes?.[kind]),
        `/contributes/${kind}`,
        'name',
        'ROKU_MANIFEST_DUPLICATE_NAME',
      ),
    );
  }
  asArray(contributes?.providers).forEach((provider, index) => {
    const models = asArray(asObject(provider)?.models);
    issues.push(
      ...duplicateNames(
        models,
        `/contributes/providers/${index}/models`,
        'id',
        'ROKU_MANIFEST_DUPLICATE_NAME',
      ),
    );
  });
  const shared = {
    compile: compileSchemas,
    ...(pluginSchemaAjv === undefined ? {} : { ajv: pluginSchemaAjv }),
  };
  tools.forEach((tool, index) => {
    const t = asObject(tool);
    if (asObject(t?.inputSchema) !== undefined) {
      issues.push(
        ...checkPluginSchema(
          t?.inputSchema,
          `/contributes/tools/${index}/inputSchema`,
          'ROKU_MANIFEST_BAD_JSON_SCHEMA',
          { ...shared, requireObjectType: true },
        ),
      );
    }
    if (asObject(t?.outputSchema) !== undefined) {
      issues.push(
        ...checkPluginSchema(
          t?.outputSchema,
          `/contributes/tools/${index}/outputSchema`,
          'ROKU_MANIFEST_BAD_JSON_SCHEMA',
          shared,
        ),
      );
    }
  });
  if (asObject(manifest.configSchema) !== undefined) {
    issues.push(
      ...checkPluginSchema(manifest.configSchema, '/configSchema', 'ROKU_MANIFEST_BAD_JSON_SCHEMA', shared),
    );
  }
  return issues;
}
