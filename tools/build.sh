#!/usr/bin/env bash
# Configures and builds mezhved into build/ (RelWithDebInfo, Ninja). Extra arguments go to cmake --build.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$repo" -B "$repo/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$repo/build" -j "$(nproc)" "$@"
