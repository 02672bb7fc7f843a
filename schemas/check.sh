#!/usr/bin/env bash
# Checks the information-type schemas (see README.md):
#   1. every XSD is well-formed and follows the rules: no maxOccurs="unbounded", no xs:any, no unbounded strings,
#      no network schemaLocation, elementFormDefault="qualified";
#   2. catalog.textproto parses (when protoc is installed), and every type in it names existing files, under
#      <id>/<version>/, with a response schema exactly when its deadline class needs one;
#   3. every example validates against its schema, and its root element and namespace are the ones the catalogue
#      lists; every file in examples/ belongs to a type in the catalogue;
#   4. a few broken copies of the examples are rejected (the restrictions really restrict).
# Reports every failure it finds and exits 1 if there was any (2 if xmllint is missing), 0 otherwise.
# Needs xmllint (Debian/Ubuntu: apt-get install libxml2-utils). Run from anywhere: ./schemas/check.sh
set -u

cd "$(dirname "$0")" || exit 2

if ! command -v xmllint >/dev/null 2>&1; then
  echo "check.sh: xmllint not found (apt-get install libxml2-utils)" >&2
  exit 2
fi

failures=0
checked=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. Rules for every XSD -------------------------------------------------------------------------------------
xpath_count() {  # file, xpath -> number of matching nodes
  xmllint --nonet --xpath "count($2)" "$1" 2>/dev/null
}

while IFS= read -r xsd; do
  if ! xmllint --noout --nonet "$xsd" 2>"$tmp/err"; then
    fail "$xsd is not well-formed: $(cat "$tmp/err")"
    continue
  fi
  [ "$(xpath_count "$xsd" "//*[@maxOccurs='unbounded']")" = "0" ] || fail "$xsd: maxOccurs=\"unbounded\" (bound it, e.g. 100)"
  # xs:any only in the envelope, for the payload (checked against its own type's XSD) and the seal: exactly those two,
  # each one element at most, skipped.
  if [ "${xsd#./envelope/}" != "$xsd" ]; then
    [ "$(xpath_count "$xsd" "//*[local-name()='any' and not(@maxOccurs)][@processContents='skip'][@namespace='##other' or @namespace='http://www.w3.org/2000/09/xmldsig#']")" = "$(xpath_count "$xsd" "//*[local-name()='any' or local-name()='anyAttribute']")" ] \
      || fail "$xsd: xs:any is allowed only for the payload (##other) and the seal (xmldsig), one element, skipped"
  else
    [ "$(xpath_count "$xsd" "//*[local-name()='any' or local-name()='anyAttribute']")" = "0" ] || fail "$xsd: xs:any is not allowed"
  fi
  [ "$(xpath_count "$xsd" "//*[local-name()='element' or local-name()='attribute'][@type='xs:string' or @type='xs:token' or @type='xs:normalizedString' or @type='xs:anyType' or @type='xs:anySimpleType']")" = "0" ] \
    || fail "$xsd: an element or attribute uses an unbounded string type directly (use a bounded type, e.g. c:Text255)"
  [ "$(xpath_count "$xsd" "//*[local-name()='restriction'][@base='xs:string' or @base='xs:token' or @base='xs:normalizedString'][not(*[local-name()='maxLength' or local-name()='length' or local-name()='enumeration' or local-name()='pattern'])]")" = "0" ] \
    || fail "$xsd: a string restriction without maxLength, length, enumeration or pattern"
  [ "$(xpath_count "$xsd" "//*[(local-name()='import' or local-name()='include' or local-name()='redefine') and contains(@schemaLocation, ':')]")" = "0" ] \
    || fail "$xsd: schemaLocation must be a relative path, not a URL"
  [ "$(xpath_count "$xsd" "/*[@elementFormDefault='qualified']")" = "1" ] || fail "$xsd: elementFormDefault must be \"qualified\""
  checked=$((checked + 1))
done < <(find . -name '*.xsd' | sort)

# --- 2. The catalogue ---------------------------------------------------------------------------------------------
proto=../proto/mezhved/config/v1/information_types.proto
if command -v protoc >/dev/null 2>&1 && [ -f "$proto" ]; then
  if ! protoc -I../proto --encode=mezhved.config.v1.InformationTypeCatalog mezhved/config/v1/information_types.proto \
      <catalog.textproto >/dev/null 2>"$tmp/err"; then
    fail "catalog.textproto does not parse as InformationTypeCatalog: $(cat "$tmp/err")"
  fi
else
  echo "note: protoc or $proto not found; catalog.textproto syntax not checked by protoc" >&2
fi

# One line per type: id|version|request_schema|response_schema|request_namespace|request_root|response_namespace|
# response_root|deadline_class|request_example|response_example (the catalogue's values contain no '|').
awk '
  function flush() {
    if (inblock) {
      print f["id"] "|" f["version"] "|" f["request_schema"] "|" f["response_schema"] "|" f["request_namespace"] "|" \
            f["request_root"] "|" f["response_namespace"] "|" f["response_root"] "|" f["deadline_class"] "|" \
            f["request_example"] "|" f["response_example"]
    }
    delete f; inblock = 0
  }
  /^[ \t]*#/ { next }
  /^[ \t]*types[ \t]*\{/ { flush(); inblock = 1; next }
  /^[ \t]*\}/ { flush(); next }
  inblock && /^[ \t]*[a-z_]+:/ {
    key = $1; sub(/:$/, "", key)
    value = $0; sub(/^[^:]*:[ \t]*/, "", value); gsub(/^"|"[ \t]*$/, "", value)
    f[key] = value
  }
  END { flush() }
' catalog.textproto >"$tmp/types"

[ -s "$tmp/types" ] || fail "catalog.textproto lists no types"

: >"$tmp/examples-listed"
check_example() {  # example, schema, namespace, root, what
  local example=$1 schema=$2 ns=$3 root=$4 what=$5
  if [ -z "$example" ]; then fail "$what: no example"; return; fi
  if [ ! -f "$example" ]; then fail "$what: example $example does not exist"; return; fi
  if [ ! -f "$schema" ]; then fail "$what: schema $schema does not exist"; return; fi
  echo "$example" >>"$tmp/examples-listed"
  if ! xmllint --noout --nonet --schema "$schema" "$example" 2>"$tmp/err"; then
    fail "$what: $example does not validate against $schema:"
    sed 's/^/    /' "$tmp/err" >&2
    return
  fi
  local actual_ns actual_root
  actual_ns=$(xmllint --nonet --xpath 'namespace-uri(/*)' "$example" 2>/dev/null)
  actual_root=$(xmllint --nonet --xpath 'local-name(/*)' "$example" 2>/dev/null)
  [ "$actual_ns" = "$ns" ] || fail "$what: $example has namespace '$actual_ns', the catalogue says '$ns'"
  [ "$actual_root" = "$root" ] || fail "$what: $example has root '$actual_root', the catalogue says '$root'"
  [ "$(xpath_count "$schema" "/*[@targetNamespace='$ns']/*[local-name()='element'][@name='$root']")" = "1" ] \
    || fail "$what: $schema does not declare a global element '$root' in namespace '$ns'"
  echo "ok   $example"
}

types=0
while IFS='|' read -r id version req_xsd resp_xsd req_ns req_root resp_ns resp_root deadline req_ex resp_ex; do
  types=$((types + 1))
  what="$id $version"
  [[ "$id" =~ ^[a-z0-9.-]{1,64}$ ]] || fail "$what: id must match [a-z0-9.-]{1,64}"
  [ -n "$version" ] || fail "$id: no version"
  case "$req_xsd" in "$id/$version/"*) ;; *) fail "$what: request_schema must be under $id/$version/" ;; esac
  check_example "$req_ex" "$req_xsd" "$req_ns" "$req_root" "$what request"
  case "$deadline" in
    DEADLINE_CLASS_REFERRAL | DEADLINE_CLASS_REPORT)
      [ -z "$resp_xsd$resp_ex$resp_ns$resp_root" ] || fail "$what: $deadline has no response; leave the response_* fields empty"
      ;;
    DEADLINE_CLASS_ANSWER | DEADLINE_CLASS_PROGRESS)
      case "$resp_xsd" in "$id/$version/"*) ;; *) fail "$what: response_schema must be under $id/$version/" ;; esac
      check_example "$resp_ex" "$resp_xsd" "$resp_ns" "$resp_root" "$what response"
      ;;
    *) fail "$what: deadline_class '$deadline' is missing or unknown" ;;
  esac
done <"$tmp/types"

[ -z "$(cut -d'|' -f1,2 "$tmp/types" | sort | uniq -d)" ] || fail "catalog.textproto lists an id and version twice"

for example in examples/*.xml; do
  grep -qxF "$example" "$tmp/examples-listed" || fail "$example is not an example of any type in catalog.textproto"
done

# --- 4. Broken copies must be rejected -----------------------------------------------------------------------------
# Each line: type folder|kind|example|sed expression that breaks the example.
must_fail=(
  "mse.disability/1.0|response|examples/mse.disability.response.xml|s|<Group>II</Group>|<Group>IV</Group>|"
  "mse.disability/1.0|response|examples/mse.disability.response.xml|s|<Degree>2</Degree>|<Degree>4</Degree>|"
  "zags.civil-status-record/1.0|request|examples/zags.civil-status-record.request.xml|s|<RecordKind>MARRIAGE</RecordKind>|<RecordKind>BIRTH</RecordKind>|"
  "zags.civil-status-record/1.0|request|examples/zags.civil-status-record.request.xml|s|<RecordKind>BIRTH</RecordKind>|<RecordKind>ADOPTION</RecordKind>|"
  "zags.civil-status-record/1.0|response|examples/zags.civil-status-record.response.xml|s|<Number>542</Number>|<Number>123456789012345678901234567890123</Number>|"
  "zags.civil-status-record/1.0|response|examples/zags.civil-status-record.response.xml|s|<Series>III-ТО</Series>|<Series>3-TO</Series>|"
  "labour.employment-status/1.0|response|examples/labour.employment-status.response.xml|s|<Amount>12792.00</Amount>|<Amount>-1</Amount>|"
  "health.contraindications/1.0|response|examples/health.contraindications.response.xml|s|<NoContraindications/>|<NoContraindications/><Contraindications><Item><Temporary>false</Temporary></Item></Contraindications>|"
  "social.referral/1.0|request|examples/social.referral.request.xml|s|<Urgency>URGENT</Urgency>|<Urgency>SOMEDAY</Urgency>|"
  "social.referral/1.0|request|examples/social.referral.request.xml|s|<c:Code>HEALTH-CRH-ZMEINOGORSK</c:Code>|<c:Code>HEALTH CRH</c:Code>|"
  "social.support-quarterly-report/1.0|request|examples/social.support-quarterly-report.request.xml|s|<Quarter>1</Quarter>|<Quarter>5</Quarter>|"
  "social.support-progress/1.0|response|examples/social.support-progress.response.xml|s|<Id>СС-4</Id>|<Id>СС-3</Id>|"
)
n=0
for line in "${must_fail[@]}"; do
  IFS='|' read -r folder kind example _ <<<"$line"
  expr=${line#*|*|*|}
  n=$((n + 1))
  broken="$tmp/broken-$n.xml"
  sed "$expr" "$example" >"$broken"
  if cmp -s "$example" "$broken"; then
    fail "negative check $n ($expr) did not change $example"
  elif xmllint --noout --nonet --schema "$folder/$kind.xsd" "$broken" >/dev/null 2>&1; then
    fail "negative check $n: $example with '$expr' should not validate against $folder/$kind.xsd"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "check.sh: $failures failure(s)" >&2
  exit 1
fi
echo "check.sh: $types types, $checked schemas, $n negative checks: all passed"
