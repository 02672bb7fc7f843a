#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a bounded time (default 60 s in all,
# first argument overrides; split between them), their corpora seeded from the documented examples: fuzz_xml over
# the XML module, fuzz_request over the request decoder and every rule at the door. Fails on any finding (crash,
# leak, undefined behaviour, timeout). Part of run-tests.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
cd "$repo"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMEZHVED_FUZZ=ON -DMEZHVED_BUILD_TESTS=ON \
  -DMEZHVED_WERROR=OFF >/dev/null
cmake --build build-fuzz --target fuzz_xml fuzz_request -j "$(nproc)"
half=$((seconds / 2))

corpus="build-fuzz/corpus-xml"
mkdir -p "$corpus"
cp schemas/examples/*.xml "$corpus/"
build-fuzz/tests/xml/fuzz_xml -max_total_time="$half" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 6

corpus="build-fuzz/corpus-request"
mkdir -p "$corpus"
MEZHVED_FUZZ_WRITE_SEEDS="$corpus" build-fuzz/tests/gateway/fuzz_request
build-fuzz/tests/gateway/fuzz_request -max_total_time="$half" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 6
echo "fuzz: ${half}s of fuzz_xml and ${half}s of fuzz_request without a finding"
