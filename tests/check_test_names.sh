#!/usr/bin/env bash
# CTest registers each Catch2 case by its name, and a ';' in a name splits it into a list: CTest then runs a filter
# that matches nothing, and Catch2 still exits 0. So a name with ';' is a test that never runs. Fails naming them.
set -euo pipefail
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
found=$(grep -rnE --include='*.cc' --exclude-dir=node_modules 'TEST_CASE[_A-Z]*\([^"]*"[^"]*;' "$tests_dir" || true)
if [[ -n $found ]]; then
  printf 'test names with ";" never run under CTest; use ":" instead:\n%s\n' "$found" >&2
  exit 1
fi
echo "no test name contains ';'"
