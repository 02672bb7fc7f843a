#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the project's own .cc files, using build/compile_commands.json; fails on any
# warning. Slow (several minutes on 2 cores), so it is not part of run-tests.sh; run it before a merge.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[[ -f build/compile_commands.json ]] || tools/build.sh
mapfile -t files < <(git ls-files -- '*.cc' | grep -v '^tests/')
out=$(mktemp)
xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet <<<"${files[*]}" >"$out" 2>/dev/null || true
if grep -q "warning:" "$out"; then
  grep -A3 "warning:" "$out"
  echo "clang-tidy: $(grep -c 'warning:' "$out") warnings"
  rm -f "$out"
  exit 1
fi
rm -f "$out"
echo "clang-tidy: ${#files[@]} files clean"
