// Builds the embedded local registry at <repo>/registry-data/ from every examples/* and plugins/* folder
// with a built runtime entry. Signs with a development key kept in <repo>/.roku-dev-keys/ (gitignored; created
// once). Idempotent: versions already in the registry are left alone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLocalRegistry,
  generateKeyPair,
  keyId,
  packPlugin,
  signPackage,
} from '../registry/dist/index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const registryDir = join(repo, 'registry-data');
const keysDir = join(repo, '.roku-dev-keys');
const privateKeyFile = join(keysDir, 'roku-signing.pem');
const publicKeyFile = join(keysDir, 'roku-signing.pub');

async function devKey() {
  if (existsSync(privateKeyFile) && existsSync(publicKeyFile)) {
    return {
      privateKeyPem: await readFile(privateKeyFile, 'utf8'),
      publicKey: (await readFile(publicKeyFile, 'utf8')).trim(),
    };
  }
  const pair = generateKeyPair();
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await writeFile(privateKeyFile, pair.privateKeyPem, { mode: 0o600 });
  await chmod(privateKeyFile, 0o600);
  await writeFile(publicKeyFile, `${pair.publicKey}\n`);
  return pair;
}

/** Plugin folders whose manifest's runtime entry has been built. */
function builtPluginDirs() {
  const dirs = [];
  for (const parent of ['examples', 'plugins']) {
    const root = join(repo, parent);
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(root, entry.name);
      const manifestFile = join(dir, 'roku.plugin.json');
      if (!existsSync(manifestFile)) continue;
      const entryPath = JSON.parse(readFileSync(manifestFile, 'utf8'))?.runtime?.entry;
      if (typeof entryPath === 'string' && existsSync(join(dir, entryPath))) dirs.push(dir);
    }
  }
  return dirs.sort();
}

const key = await devKey();
const registry = createLocalRegistry(registryDir);
await mkdir(registryDir, { recursive: true });
let published = 0;
let kept = 0;
for (const dir of builtPluginDirs()) {
  const packed = await packPlugin(dir);
  const { id, version } = packed.manifest;
  const doc = await registry.getDocument(id);
  if (doc?.versions[version] !== undefined) {
    kept += 1;
    continue;
  }
  await registry.publish({
    manifest: packed.manifest,
    archiveBytes: packed.bytes,
    integrity: packed.integrity,
    signatures: [signPackage(packed, key.privateKeyPem)],
  });
  published += 1;
}
const trusted = `${JSON.stringify({ keys: [key.publicKey] }, null, 2)}\n`;
const trustedFile = join(registryDir, 'trusted-keys.json');
if (!existsSync(trustedFile) || (await readFile(trustedFile, 'utf8')) !== trusted) {
  await writeFile(trustedFile, trusted);
}
process.stdout.write(
  `seed-registry: ${published} published, ${kept} already present in registry-data/ (key ${keyId(key.publicKey)})\n`,
);
