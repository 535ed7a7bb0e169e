import { join } from 'node:path';
import { tempDir } from '@roku/test-support';
import { createManifestValidator } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import { pino } from 'pino';
import { createCapabilityBroker, createKvStore } from '../../src/capabilities/index.js';
import type {
  CallScope,
  CapabilityBroker,
  CapabilityBrokerOptions,
  KvStore,
  PluginUserGrants,
} from '../../src/capabilities/index.js';

export const PLUGIN_ID = '@acme/weather';

const validator = createManifestValidator();

/** A validated manifest (defaults filled in) with the given permissions and limits. */
export function manifestWith(
  permissions: PluginManifest['permissions'] = {},
  limits: PluginManifest['limits'] = {},
  id = PLUGIN_ID,
): PluginManifest {
  const result = validator.validate({
    manifestVersion: 1,
    id,
    version: '1.0.0',
    description: 'Weather for the agent.',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'dist/index.js' },
    contributes: {
      tools: [
        { name: 'forecast', description: 'Forecast.', inputSchema: { type: 'object' }, risk: ['network'] },
      ],
    },
    permissions,
    limits,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

export type Reply =
  | { ok: true; value: Record<string, unknown> | null }
  | { ok: false; error: { code: string; message: string } };

export interface Harness {
  readonly broker: CapabilityBroker;
  readonly dir: string;
  readonly roots: CapabilityBrokerOptions['roots'];
  readonly kv: KvStore;
  readonly logLines: Record<string, unknown>[];
  request(op: string, args: unknown, scope?: CallScope): Promise<Reply>;
  /** Reads a fetch stream to its end (from the bytes that came with `fetch.start`) and returns the body. */
  readAll(
    started: Record<string, unknown>,
    scope?: CallScope,
  ): Promise<{ body: Buffer; chunks: number; error?: Reply }>;
  dispose(): Promise<void>;
}

export interface HarnessOptions {
  readonly permissions?: PluginManifest['permissions'];
  /** What the user's config grants (`plugins.grants[id]`): loopback origins, limit overrides. */
  readonly grants?: PluginUserGrants;
  readonly limits?: PluginManifest['limits'];
  readonly env?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  readonly services?: CapabilityBrokerOptions['services'];
  readonly lookup?: CapabilityBrokerOptions['lookup'];
  readonly kv?: KvStore;
  readonly sql?: CapabilityBrokerOptions['sql'];
  readonly dir?: string;
  /** The plugin-skills root: skills folders of active plugins by `@scope+name`. */
  readonly pluginSkills?: ReadonlyMap<string, string>;
}

export const CALL: CallScope = { callId: 'call-1' };

export function createHarness(options: HarnessOptions = {}): Harness {
  const dir = options.dir ?? tempDir('capabilities');
  const roots = {
    workspace: join(dir, 'workspace'),
    data: join(dir, 'data'),
    cache: join(dir, 'cache'),
    temp: join(dir, 'temp'),
    skills: join(dir, 'skills'),
    ...(options.pluginSkills === undefined
      ? {}
      : { pluginSkills: (): ReadonlyMap<string, string> => options.pluginSkills ?? new Map() }),
  };
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const kv = options.kv ?? createKvStore(join(dir, 'state', 'kv.db'));
  const broker = createCapabilityBroker({
    manifest: manifestWith(options.permissions, options.limits),
    pluginKey: `${PLUGIN_ID}@1.0.0#1`,
    roots,
    env: options.env ?? {},
    secrets: options.secrets ?? {},
    kv,
    logger,
    ...(options.services === undefined ? {} : { services: options.services }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.sql === undefined ? {} : { sql: options.sql }),
    ...(options.grants === undefined ? {} : { grants: () => options.grants }),
  });
  const request = async (op: string, args: unknown, scope: CallScope = CALL): Promise<Reply> =>
    JSON.parse(await broker.handle(JSON.stringify({ op, args }), scope)) as Reply;
  return {
    broker,
    dir,
    roots,
    kv,
    logLines,
    request,
    async readAll(started, scope = CALL) {
      const {
        streamId,
        chunk = '',
        done = false,
      } = started as {
        streamId: string;
        chunk?: string;
        done?: boolean;
      };
      const parts: Buffer[] = [];
      let chunks = 0;
      if (chunk !== '') {
        chunks += 1;
        parts.push(Buffer.from(chunk, 'base64'));
      }
      if (done) return { body: Buffer.concat(parts), chunks };
      for (;;) {
        const reply = await request('fetch.read', { streamId }, scope);
        if (!reply.ok) return { body: Buffer.concat(parts), chunks, error: reply };
        const value = reply.value as { done: boolean; chunk: string };
        if (value.done) return { body: Buffer.concat(parts), chunks };
        chunks += 1;
        parts.push(Buffer.from(value.chunk, 'base64'));
      }
    },
    async dispose() {
      await broker.close();
      if (options.kv === undefined) kv.close();
    },
  };
}

export function expectError(reply: Reply, code: string): string {
  if (reply.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(reply.value)}`);
  if (reply.error.code !== code)
    throw new Error(`expected ${code}, got ${reply.error.code}: ${reply.error.message}`);
  return reply.error.message;
}

export function expectOk(reply: Reply): Record<string, unknown> {
  if (!reply.ok) throw new Error(`expected ok, got ${reply.error.code}: ${reply.error.message}`);
  return reply.value ?? {};
}
