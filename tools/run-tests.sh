#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): installs what is missing, builds everything, checks the
# formatting and the shipped schemas and examples, fuzzes the request decoder and the XML module for a bounded
# time, installs the npm client of the SOAP tests and playwright-core for the console's browser tests, and runs the
# whole test suite with CTest (its summary is the last thing printed).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/tools/install-deps.sh"
"$repo/tools/build.sh"
"$repo/tools/check-format.sh"
"$repo/schemas/check.sh"
"$repo/tools/run-fuzz.sh" 60
# The stock WSDL-driven SOAP client of the SOAP API's tests (npm's `soap`, pinned by its package-lock.json), and the
# offline check that what it sends validates against the shipped XSD.
(cd "$repo/tests/soap/wsdl_client" && npm ci --no-audit --no-fund --loglevel=error && ./offline_check.sh)
# playwright-core (pinned by its package-lock.json) for the console's end-to-end browser tests, which drive Debian's
# chromium; it downloads no browser of its own.
(cd "$repo/tests/console/e2e" && npm ci --no-audit --no-fund --loglevel=error)
cd "$repo/build"
ctest --output-on-failure -j "$(nproc)" --timeout 600
