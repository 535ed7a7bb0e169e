// Evaluates the bundled prelude (dist/sandbox/prelude.js) into a V8 startup snapshot at
// dist/sandbox/prelude.snapshot, with what it was made from beside it (prelude.snapshot.json). Every plugin
// isolate starts from it, so a new context already holds the evaluated prelude. Made at build time, not by each
// runner: V8 code caches of plugin bundles are only accepted by isolates started from the very same snapshot
// bytes, and the host keeps those caches across restarts. The runner uses the file only when all of the
// recorded versions and hashes match (see src/sandbox/runner/isolate-setup.ts).
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export function writePreludeSnapshot() {
  const preludePath = join(root, 'dist/sandbox/prelude.js');
  const snapshotPath = join(root, 'dist/sandbox/prelude.snapshot');
  const metaPath = `${snapshotPath}.json`;
  rmSync(snapshotPath, { force: true });
  rmSync(metaPath, { force: true });
  const ivm = require('isolated-vm');
  const { version } = JSON.parse(
    readFileSync(join(dirname(require.resolve('isolated-vm')), 'package.json'), 'utf8'),
  );
  const source = readFileSync(preludePath, 'utf8');
  // compiles what a new realm's first calls run, so that the snapshot carries its bytecode (see the file)
  const warmup = readFileSync(join(root, 'scripts/prelude-warmup.js'), 'utf8');
  const blob = Buffer.from(
    ivm.Isolate.createSnapshot([{ code: source, filename: 'roku:prelude' }], warmup).copy(),
  );
  writeFileSync(snapshotPath, blob);
  const meta = {
    v8: process.versions.v8,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    isolatedVm: version,
    prelude: sha256(source),
    warmup: sha256(warmup),
    snapshot: sha256(blob),
  };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
}
