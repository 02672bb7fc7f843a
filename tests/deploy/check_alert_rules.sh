#!/usr/bin/env bash
# The Prometheus alert rules of deploy/prometheus (CTest: deploy.alert_rules). Fails when any check fails:
#   1. `promtool check rules` accepts the rules file;
#   2. `promtool test rules` passes its unit tests;
#   3. every alert has a test case and a runbook annotation "docs/OPERATIONS.md#<its name in lower case>", and
#      docs/OPERATIONS.md has a section headed with the alert's name (GitHub's anchor of that heading).
#
# Usage: check_alert_rules.sh PROMTOOL REPOSITORY_ROOT
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 PROMTOOL REPOSITORY_ROOT" >&2
  exit 2
fi
promtool="$1"
repo="$2"
if [[ ! -x "$promtool" ]]; then
  echo "promtool not found ('$promtool'): install the Debian package prometheus (tools/install-deps.sh does)," \
    "then reconfigure: cmake -S $repo -B <build dir>" >&2
  exit 1
fi

rules="$repo/deploy/prometheus/mezhved-alerts.yml"
tests="$repo/deploy/prometheus/mezhved-alerts.test.yml"
operations="$repo/docs/OPERATIONS.md"

"$promtool" check rules "$rules"
"$promtool" test rules "$tests"

failures=0
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\) *$/\1/p' "$rules")
if [[ -z "$alerts" ]]; then
  echo "no alerts found in $rules" >&2
  exit 1
fi
for alert in $alerts; do
  anchor="${alert,,}"
  # the alert's own rule: from its "- alert:" line to the next one
  rule=$(awk -v name="$alert" '/^ *- alert: / { inside = ($3 == name) } inside' "$rules")
  if ! grep -qx " *runbook: \"docs/OPERATIONS.md#$anchor\"" <<<"$rule"; then
    echo "$alert: its runbook annotation must be \"docs/OPERATIONS.md#$anchor\"" >&2
    failures=$((failures + 1))
  fi
  if ! grep -qx "#\{2,4\} $alert" "$operations"; then
    echo "$alert: docs/OPERATIONS.md has no section headed '$alert' (anchor #$anchor)" >&2
    failures=$((failures + 1))
  fi
  if ! grep -qx " *alertname: $alert" "$tests"; then
    echo "$alert: no test case in $tests" >&2
    failures=$((failures + 1))
  fi
done
if ((failures > 0)); then
  echo "$failures problem(s) with the alerts' runbooks and tests" >&2
  exit 1
fi
echo "every alert ($(wc -w <<<"$alerts")) has its runbook section in docs/OPERATIONS.md and its test cases"
