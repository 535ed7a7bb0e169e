#!/usr/bin/env bash
# Quick start: set everything up, then run a real agent session on embedded defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
export ROKU_HOME="${ROKU_HOME:-$PWD/.roku-home}"
pnpm -s roku doctor
shopt -s nullglob
plugin_dirs=()
for dir in examples/*/ plugins/*/; do
  if [ -f "$dir/roku.plugin.json" ]; then plugin_dirs+=("${dir%/}"); fi
done
pnpm -s roku plugin validate "${plugin_dirs[@]}"
# Each example runs in its real sandbox: a TypeScript tool in a V8 isolate, an AssemblyScript tool in wasm.
pnpm -s roku plugin call examples/tool-echo word_count '{"text":"Roku runs every plugin in a sandbox"}'
pnpm -s roku plugin call examples/wasm-hello greet '{"name":"Roku"}'
# Install a provider and a toolset from the embedded registry (signed; --yes accepts their permissions), then
# run the agent: the offline scripted provider asks for the sandboxed echo tool and answers with its result.
pnpm -s roku plugin install @roku/plugin-provider-scripted @roku/example-tool-echo --yes
echo "echo hello from a sandboxed tool" | pnpm -s roku chat --pipe --session-id quickstart
pnpm -s roku run --session-id quickstart "word_count Roku runs every plugin in a sandbox"
