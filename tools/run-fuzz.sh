#!/usr/bin/env bash
# Builds the libFuzzer target over the XML module with clang (build-fuzz/) and runs it for a bounded time
# (default 60 s, first argument overrides), its corpus seeded from the documented example payloads. Fails on any
# finding (crash, leak, undefined behaviour, timeout). Part of run-tests.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
cd "$repo"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMEZHVED_FUZZ=ON -DMEZHVED_BUILD_TESTS=ON \
  -DMEZHVED_WERROR=OFF >/dev/null
cmake --build build-fuzz --target fuzz_xml -j "$(nproc)"
corpus="build-fuzz/corpus-xml"
mkdir -p "$corpus"
cp schemas/examples/*.xml "$corpus/"
build-fuzz/tests/xml/fuzz_xml -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
echo "fuzz: ${seconds}s of fuzz_xml without a finding"
