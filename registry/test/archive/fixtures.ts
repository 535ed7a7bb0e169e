import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** A valid manifest for an isolate plugin whose entry is dist/plugin.js. */
export function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    manifestVersion: 1,
    id: '@acme/hello',
    version: '1.0.0',
    description: 'Says hello.',
    license: 'Apache-2.0',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'dist/plugin.js' },
    contributes: {
      tools: [{ name: 'hello', description: 'Says hello.', inputSchema: { type: 'object' }, risk: ['read'] }],
    },
    ...overrides,
  };
}

/** Writes files (path → text or bytes) under `root`. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** A plugin folder with a manifest, a built entry, a README, assets and files that must not be packed. */
export async function writePlugin(root: string, overrides: Record<string, unknown> = {}): Promise<string> {
  await writeTree(root, {
    'roku.plugin.json': JSON.stringify(manifest(overrides), null, 2),
    'dist/plugin.js': 'export default { tools: {} };\n',
    'README.md': '# hello\n',
    'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'assets/icons/small.png': new Uint8Array([137, 80, 78, 71, 0, 1, 2, 3]),
    'src/plugin.ts': 'export {};\n',
    '.env': 'SECRET=1\n',
  });
  return root;
}

/** A tar header as tar-stream's pack accepts it. */
export type HeaderArgument = Partial<tar.Header> & Pick<tar.Header, 'name'>;

/** One raw tar entry for hand-built (often malicious) archives. */
export interface RawEntry {
  readonly header: HeaderArgument;
  readonly body?: string | Uint8Array;
}

/** Builds a tar with tar-stream from raw entries, bypassing every check of packPlugin. */
export async function rawTar(entries: readonly RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const drained = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { header, body } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => {
        if (err) reject(err);
        else resolve();
      };
      if (body === undefined) pack.entry({ mtime: new Date(0), ...header }, done);
      else pack.entry({ mtime: new Date(0), ...header }, body, done);
    });
  }
  pack.finalize();
  await drained;
  return Buffer.concat(chunks);
}

/** A gzipped tar of raw entries. */
export async function rawArchive(entries: readonly RawEntry[]): Promise<Uint8Array> {
  return gzipSync(await rawTar(entries));
}

/** Entries of a valid minimal package, to which a test adds one bad entry. */
export function validEntries(overrides: Record<string, unknown> = {}): RawEntry[] {
  return [
    { header: { name: 'roku.plugin.json' }, body: JSON.stringify(manifest(overrides)) },
    { header: { name: 'dist/plugin.js' }, body: 'export default {};\n' },
  ];
}
