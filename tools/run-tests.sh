#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): installs what is missing, builds everything, checks the
# formatting, and runs the whole test suite with CTest.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/tools/install-deps.sh"
"$repo/tools/build.sh"
"$repo/tools/check-format.sh"
cd "$repo/build"
ctest --output-on-failure -j "$(nproc)" --timeout 600
