#!/usr/bin/env bash
# The whole test suite: set everything up, then typecheck, lint, check formatting and run every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
# Child processes of plugins are confined with bubblewrap where the machine has it, and its tests use it:
# install it when running as root on a Debian-like machine (otherwise the host falls back to unshare -rn).
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y bubblewrap >&2 || { apt-get update >&2 && apt-get install -y bubblewrap >&2; } || true
fi
# The whole suite includes the release test: the npm tarballs installed outside the workspace and a generated
# plugin of every kind built, published and used from them (minutes; `pnpm test` alone skips it).
export ROKU_RELEASE_TEST="${ROKU_RELEASE_TEST:-1}"
pnpm -s check
