#!/usr/bin/env bash
# Checks, without a gateway, that the stock npm `soap` package understands schemas/soap/1/exchange.wsdl and sends
# valid requests: runs client_test.mjs --offline over SOAP 1.1 and SOAP 1.2, each with the WSDL read from its file and
# served over HTTP the way the daemon serves it (--serve-wsdl); its calls go to a stand-in server that answers with
# the examples of schemas/soap/1/examples. Then it validates the Body child of every request captured against
# schemas/soap/1/exchange.xsd with xmllint, checks that every operation of the WSDL was called, and that a broken copy
# of a captured request is rejected.
# Needs node (20.19 or later), xmllint, and the pinned dependencies: `npm ci` in this directory.
# Exits 0 when everything passed, 1 otherwise, 2 when a tool or the dependencies are missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
schemas=$(cd "$here/../../../schemas" && pwd)
exchange_xsd=$schemas/soap/1/exchange.xsd
wsdl=$schemas/soap/1/exchange.wsdl

for tool in node xmllint; do
  command -v "$tool" >/dev/null 2>&1 || { echo "offline_check.sh: $tool not found" >&2; exit 2; }
done
if [ ! -d "$here/node_modules/soap" ]; then
  echo "offline_check.sh: the soap package is not installed; run 'npm ci' in $here" >&2
  exit 2
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# extract_element FILE XPATH OUT (a standalone copy of one element), shared with schemas/check.sh
# shellcheck source=../../../schemas/extract_element.sh disable=SC1091
. "$schemas/extract_element.sh"

body_child="/*[local-name()='Envelope']/*[local-name()='Body'][namespace-uri()=namespace-uri(..)]/*"
validate_body() {  # captured request -> 0 when its Body child validates against exchange.xsd
  extract_element "$1" "$body_child" "$tmp/part.xml" || { echo "no single Body child" >"$tmp/err"; return 1; }
  xmllint --noout --nonet --schema "$exchange_xsd" "$tmp/part.xml" >/dev/null 2>"$tmp/err"
}

operations=$(xmllint --nonet --xpath "/*/*[local-name()='portType']/*[local-name()='operation']/@name" "$wsdl" 2>/dev/null \
  | sed -E 's/^ *name="([^"]*)"$/\1/')
[ -n "$operations" ] || fail "$wsdl: no operations found"

validated=0
runs=0
for run in soap11 soap12 soap11-served soap12-served; do
  version=${run%%-*}
  capture=$tmp/$run
  flags=()
  [ "$version" = soap12 ] && flags+=(--soap12)
  [ "$run" != "$version" ] && flags+=(--serve-wsdl)
  echo "--- client_test.mjs --offline ${flags[*]}"
  if ! node "$here/client_test.mjs" --offline "${flags[@]}" --capture "$capture"; then
    fail "client_test.mjs --offline ${flags[*]} failed"
    continue
  fi
  runs=$((runs + 1))
  count=0
  envelope_ns=http://schemas.xmlsoap.org/soap/envelope/
  [ "$version" = soap12 ] && envelope_ns=http://www.w3.org/2003/05/soap-envelope
  for request in "$capture"/*.xml; do
    name=$(basename "$request" .xml)
    op=${name#*-}
    [ "$(xmllint --nonet --xpath "namespace-uri(/*)" "$request" 2>/dev/null)" = "$envelope_ns" ] \
      || fail "$run $name: not a $version envelope"
    [ "$(xmllint --nonet --xpath "count(${body_child}[local-name()='${op}Request'][namespace-uri()='urn:mezhved:exchange:1'])" "$request" 2>/dev/null)" = "1" ] \
      || fail "$run $name: the Body's child is not x:${op}Request"
    if validate_body "$request"; then
      count=$((count + 1))
    else
      fail "$run $name does not validate against exchange.xsd:"
      sed 's/^/    /' "$tmp/err" >&2
    fi
  done
  validated=$((validated + count))
  echo "ok   $run: the Body child of each of the $count requests captured validates against exchange.xsd"
  for op in $operations; do
    ls "$capture"/*-"$op".xml >/dev/null 2>&1 || fail "$run: client_test.mjs never called $op"
  done
  # The validation really validates: a captured SendRequest without its MessageID must be rejected.
  sends=("$capture"/*-SendRequest.xml)
  first=${sends[0]}
  if [ -f "$first" ]; then
    sed -E 's|<([A-Za-z0-9_.-]+:)?MessageID>[^<]*</([A-Za-z0-9_.-]+:)?MessageID>||' "$first" >"$tmp/broken.xml"
    if cmp -s "$first" "$tmp/broken.xml"; then
      fail "$run: the negative check did not change $(basename "$first")"
    elif validate_body "$tmp/broken.xml"; then
      fail "$run: $(basename "$first") without its MessageID still validates"
    fi
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "offline_check.sh: $failures failure(s)" >&2
  exit 1
fi
echo "offline_check.sh: node-soap $(node -p "require('$here/node_modules/soap/package.json').version"), $runs runs, $validated valid requests: all passed"
