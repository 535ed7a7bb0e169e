#!/usr/bin/env bash
# The whole test suite: set everything up, then typecheck, lint, check formatting and run every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
pnpm -s check
