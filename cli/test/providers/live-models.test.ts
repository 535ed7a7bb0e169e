/**
 * Live model lists: the provider plugins installed from the embedded registry report the models their server
 * lists (`provider.models`), `roku models` shows them with their source, the router takes them by ref, and a
 * server that lists garbage or too many models leaves the manifest's list with a clear warning. Needs the
 * workspace build (`pnpm build`), which seeds the registry.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionsFrames, startWireServer } from '@roku/test-support';
import type { WireReply, WireServer } from '@roku/test-support';
import { providerCli } from './helpers.js';
import type { ProviderCli } from './helpers.js';

const COMPATIBLE = '@roku/plugin-provider-openai-compatible';
const OPENAI = '@roku/plugin-provider-openai';
const ANTHROPIC = '@roku/plugin-provider-anthropic';

interface ListedModel {
  ref: string;
  contextWindow: number;
  maxOutputTokens?: number | null;
  source: string;
}

function modelsReply(data: unknown): WireReply {
  return { kind: 'json', status: 200, body: { object: 'list', data } };
}

let local: WireServer;
let openai: WireServer;
let claude: WireServer;
let localModels: WireReply = modelsReply([
  { id: 'llama3.2:3b', object: 'model' },
  { id: 'qwen-live', object: 'model', max_model_len: 65536 },
]);
let cli: ProviderCli;

async function listModels(args: string[] = []): Promise<{ models: ListedModel[]; warnings: string[] }> {
  const r = await cli.run(['models', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { models: ListedModel[]; warnings: string[] };
}

function sources(models: readonly ListedModel[], prefix: string): Record<string, string> {
  return Object.fromEntries(models.filter((m) => m.ref.startsWith(prefix)).map((m) => [m.ref, m.source]));
}

beforeAll(async () => {
  local = await startWireServer((request) =>
    request.url === '/v1/models'
      ? localModels
      : { kind: 'sse', frames: chatCompletionsFrames({ text: ['Live ', 'answer.'], model: 'qwen-live' }) },
  );
  openai = await startWireServer(() =>
    modelsReply([
      { id: 'gpt-4o', object: 'model' },
      { id: 'gpt-4.5-live', object: 'model' },
      { id: 'text-embedding-3-small', object: 'model' },
      { id: 'whisper-1', object: 'model' },
    ]),
  );
  claude = await startWireServer(() =>
    modelsReply([
      { id: 'claude-sonnet-4-6', type: 'model' },
      { id: 'claude-live-5', type: 'model', max_input_tokens: 500000, max_tokens: 64000 },
    ]),
  );
  cli = await providerCli(
    [COMPATIBLE, OPENAI, ANTHROPIC],
    {
      [COMPATIBLE]: { baseURL: `${local.origin}/v1` },
      [OPENAI]: { baseURL: `${openai.origin}/v1` },
      [ANTHROPIC]: { baseURL: claude.origin },
    },
    {
      [COMPATIBLE]: { network: [local.origin] },
      [OPENAI]: { network: [openai.origin] },
      [ANTHROPIC]: { network: [claude.origin] },
    },
  );
  for (const [name, key] of [
    ['OPENAI_API_KEY', 'sk-live-models-1'],
    ['ANTHROPIC_API_KEY', 'sk-ant-live-models-2'],
  ] as const) {
    const set = await cli.run(['auth', 'set', name], { stdin: `${key}\n` });
    if (set.code !== 0) throw new Error(set.stderr);
  }
});

describe('roku models with live model lists', () => {
  it("lists the server's models next to the manifest's, each with its source, and caches the list", async () => {
    const { models, warnings } = await listModels(['--refresh']);
    expect(warnings).toEqual([]);
    expect(sources(models, 'openai-compatible/')).toEqual({
      'openai-compatible/default': 'manifest',
      'openai-compatible/llama3.2:3b': 'live',
      'openai-compatible/qwen-live': 'live',
    });
    expect(models.find((m) => m.ref === 'openai-compatible/qwen-live')?.contextWindow).toBe(65536);
    const table = await cli.run(['models']);
    expect(table.stdout).toMatch(/^MODEL .* SOURCE /m);
    expect(table.stdout).toMatch(/^openai-compatible\/qwen-live +65536 .* live /m);
    expect(local.requests.filter((r) => r.url === '/v1/models')).toHaveLength(1);
  });

  it('keeps the chat models of the OpenAI account, the manifest winning for the ones it describes', async () => {
    const { models } = await listModels();
    expect(sources(models, 'openai/')).toMatchObject({
      'openai/gpt-4o': 'manifest',
      'openai/gpt-4.5-live': 'live',
    });
    expect(models.map((m) => m.ref)).not.toContain('openai/text-embedding-3-small');
    expect(models.map((m) => m.ref)).not.toContain('openai/whisper-1');
    expect(openai.requests.at(-1)?.headers.authorization).toBe('Bearer sk-live-models-1');
  });

  it("takes the Anthropic account's models with the limits the API reports", async () => {
    const { models } = await listModels();
    expect(models.find((m) => m.ref === 'anthropic/claude-live-5')).toMatchObject({
      contextWindow: 500000,
      maxOutputTokens: 64000,
      source: 'live',
    });
    expect(sources(models, 'anthropic/')['anthropic/claude-sonnet-4-6']).toBe('manifest');
    expect(claude.requests.at(-1)?.url).toBe('/v1/models?limit=1000');
  });

  it('runs a live model picked by ref', async () => {
    const r = await cli.runJson('hi', ['--model', 'openai-compatible/qwen-live']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ ok: true, message: 'Live answer.' });
    expect(local.requests.at(-1)?.json).toMatchObject({ model: 'qwen-live' });
    const run = await cli.run(['run', '--model', 'openai-compatible/llama3.2:3b', 'say hi']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Live answer.');
    expect(local.requests.at(-1)?.json).toMatchObject({ model: 'llama3.2:3b' });
  });

  it('falls back to the manifest with a warning when the server lists garbage', async () => {
    localModels = { kind: 'json', status: 200, body: { data: 'not a list' } };
    const { models, warnings } = await listModels(['--refresh']);
    expect(Object.keys(sources(models, 'openai-compatible/'))).toEqual(['openai-compatible/default']);
    expect(warnings.join('\n')).toContain('GET /models did not return a model list');
    const table = await cli.run(['models']);
    expect(table.stderr).toContain(
      "warning: @roku/plugin-provider-openai-compatible: the live model list of provider 'openai-compatible' is not available",
    );
    const r = await cli.runJson('hi', ['--model', 'openai-compatible/qwen-live']);
    expect(r.result.error?.code).toBe('ROKU_MODEL_NOT_FOUND');
  });

  it('falls back to the manifest with a warning when the server lists too many models', async () => {
    localModels = modelsReply(Array.from({ length: 5000 }, (_, i) => ({ id: `m${i}`, object: 'model' })));
    const { models, warnings } = await listModels(['--refresh']);
    expect(Object.keys(sources(models, 'openai-compatible/'))).toEqual(['openai-compatible/default']);
    expect(warnings.join('\n')).toContain('listed 5000 models, more than the 500 Roku takes');
  });

  it('gives up on a server that never answers its model list, and keeps the manifest list', async () => {
    localModels = { kind: 'hang' };
    const { models, warnings } = await listModels(['--refresh']);
    expect(Object.keys(sources(models, 'openai-compatible/'))).toEqual(['openai-compatible/default']);
    expect(warnings.join('\n')).toContain('no answer within 5000 ms');
  });

  it('leaves out the entries with ids that cannot be model refs, and says so', async () => {
    localModels = modelsReply([{ id: 'good-one' }, { id: 'bad id with spaces' }, { id: '' }]);
    const { models, warnings } = await listModels(['--refresh']);
    expect(Object.keys(sources(models, 'openai-compatible/'))).toEqual([
      'openai-compatible/default',
      'openai-compatible/good-one',
    ]);
    expect(warnings.join('\n')).toContain('listed invalid models, left out: model 1: id must be a model id');
  });
});
