#!/usr/bin/env bash
# Checks the information-type schemas (see README.md):
#   1. every XSD is well-formed and follows the rules: no maxOccurs="unbounded", no xs:any, no unbounded strings,
#      no network schemaLocation, elementFormDefault="qualified";
#   2. catalog.textproto parses (when protoc is installed), and every type in it names existing files, under
#      <id>/<version>/, with a response schema exactly when its deadline class needs one;
#   3. every example validates against its schema, and its root element and namespace are the ones the catalogue
#      lists; every file in examples/ belongs to a type in the catalogue;
#   4. a few broken copies of the examples are rejected (the restrictions really restrict);
#   5. the SOAP service (soap/1/): exchange.wsdl is well-formed and agrees with exchange.xsd (every operation's
#      messages, fault and soapActions, the literals the daemon rewrites), every example in soap/1/examples/ is a
#      SOAP 1.1 or 1.2 envelope whose Body child (of a fault: its detail's child) validates against exchange.xsd,
#      there is a request and a response example of every operation and a fault of each SOAP version, and a few
#      broken copies are rejected.
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
  # xs:any only in the envelope and the SOAP service's messages, for the payload (checked against its own type's XSD)
  # and signatures (the seal; the callers' signatures over SOAP): each one element at most, skipped.
  if [ "${xsd#./envelope/}" != "$xsd" ] || [ "${xsd#./soap/}" != "$xsd" ]; then
    [ "$(xpath_count "$xsd" "//*[local-name()='any' and not(@maxOccurs)][@processContents='skip'][@namespace='##other' or @namespace='http://www.w3.org/2000/09/xmldsig#']")" = "$(xpath_count "$xsd" "//*[local-name()='any' or local-name()='anyAttribute']")" ] \
      || fail "$xsd: xs:any is allowed only for the payload (##other) and signatures (xmldsig), one element, skipped"
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

# --- 5. The SOAP service -------------------------------------------------------------------------------------------
soap_dir=soap/1
wsdl=$soap_dir/exchange.wsdl
exchange_xsd=$soap_dir/exchange.xsd
x_ns=urn:mezhved:exchange:1
soap11_ns=http://schemas.xmlsoap.org/soap/envelope/
soap12_ns=http://www.w3.org/2003/05/soap-envelope

# extract_element FILE XPATH OUT (a standalone copy of one element)
# shellcheck source=extract_element.sh disable=SC1091
. ./extract_element.sh

body_child="/*[local-name()='Envelope'][namespace-uri()='$soap11_ns' or namespace-uri()='$soap12_ns']/*[local-name()='Body'][namespace-uri()=namespace-uri(..)]/*"
fault_detail_child="${body_child}[local-name()='Fault'][namespace-uri()=namespace-uri(../..)]/*[(local-name()='detail' and namespace-uri()='') or (local-name()='Detail' and namespace-uri()=namespace-uri(../../..))]/*"

# soap_validate EXAMPLE: the element to validate (Body child, or a fault's detail child) against exchange.xsd.
soap_validate() {
  local example=$1 xpath=$body_child
  case "$(basename "$example")" in fault.*) xpath=$fault_detail_child ;; esac
  extract_element "$example" "$xpath" "$tmp/soap-part.xml" || { echo "no single element at $xpath" >"$tmp/err"; return 1; }
  xmllint --noout --nonet --schema "$exchange_xsd" "$tmp/soap-part.xml" 2>"$tmp/err" >/dev/null
}

soap_examples=0
if ! xmllint --noout --nonet "$wsdl" 2>"$tmp/err"; then
  fail "$wsdl is not well-formed: $(cat "$tmp/err")"
else
  [ "$(xpath_count "$wsdl" "/*[local-name()='definitions'][@targetNamespace='$x_ns']")" = "1" ] \
    || fail "$wsdl: the root must be wsdl:definitions with targetNamespace $x_ns"
  # The two literals the daemon rewrites when it serves ?wsdl.
  [ "$(xpath_count "$wsdl" "//*[local-name()='types']/*[local-name()='schema']/*[local-name()='import'][@namespace='$x_ns'][@schemaLocation='exchange.xsd']")" = "1" ] \
    || fail "$wsdl: wsdl:types must import $x_ns with schemaLocation=\"exchange.xsd\""
  [ "$(xpath_count "$wsdl" "//*[local-name()='service'][@name='ExchangeService']/*[local-name()='port'][@name='ExchangeSoap11Port'][@binding='x:ExchangeSoap11']/*[local-name()='address'][namespace-uri()='http://schemas.xmlsoap.org/wsdl/soap/'][@location='http://localhost:7792/soap']")" = "1" ] \
    || fail "$wsdl: port ExchangeSoap11Port must bind x:ExchangeSoap11 at soap:address http://localhost:7792/soap"
  [ "$(xpath_count "$wsdl" "//*[local-name()='service'][@name='ExchangeService']/*[local-name()='port'][@name='ExchangeSoap12Port'][@binding='x:ExchangeSoap12']/*[local-name()='address'][namespace-uri()='http://schemas.xmlsoap.org/wsdl/soap12/'][@location='http://localhost:7792/soap']")" = "1" ] \
    || fail "$wsdl: port ExchangeSoap12Port must bind x:ExchangeSoap12 at soap12:address http://localhost:7792/soap"
  for binding in ExchangeSoap11 ExchangeSoap12; do
    [ "$(xpath_count "$wsdl" "/*/*[local-name()='binding'][@name='$binding'][@type='x:Exchange']/*[local-name()='binding'][@style='document'][@transport='http://schemas.xmlsoap.org/soap/http']")" = "1" ] \
      || fail "$wsdl: binding $binding must be of x:Exchange, style document, HTTP transport"
  done
  [ "$(xpath_count "$wsdl" "//*[local-name()='message']/*[local-name()='part'][@element='x:Error']")" = "1" ] \
    || fail "$wsdl: one message must carry x:Error"
  [ "$(xpath_count "$exchange_xsd" "/*/*[local-name()='element'][@name='Error']")" = "1" ] \
    || fail "$exchange_xsd: no global element Error"
  operations=$(xmllint --nonet --xpath "/*/*[local-name()='portType'][@name='Exchange']/*[local-name()='operation']/@name" "$wsdl" 2>/dev/null \
    | sed -E 's/^ *name="([^"]*)"$/\1/')
  [ -n "$operations" ] || fail "$wsdl: port type Exchange has no operations"
  for op in $operations; do
    port_op="/*/*[local-name()='portType'][@name='Exchange']/*[local-name()='operation'][@name='$op']"
    for kind in input:Request output:Response; do
      io=${kind%%:*} suffix=${kind#*:}
      message=$(xmllint --nonet --xpath "string($port_op/*[local-name()='$io']/@message)" "$wsdl" 2>/dev/null)
      [ "$(xpath_count "$wsdl" "/*/*[local-name()='message'][@name='${message#x:}']/*[local-name()='part'][@element='x:$op$suffix']")" = "1" ] \
        || fail "$wsdl: the $io of $op must be a message whose one part is the element x:$op$suffix"
      [ "$(xpath_count "$exchange_xsd" "/*/*[local-name()='element'][@name='$op$suffix']")" = "1" ] \
        || fail "$exchange_xsd: no global element $op$suffix (operation $op)"
      example=$soap_dir/examples/$op.${suffix,,}.xml
      [ -f "$example" ] || fail "$example: missing (every operation has a request and a response example)"
    done
    [ "$(xpath_count "$wsdl" "$port_op/*[local-name()='fault'][@name='Error'][@message='x:Error']")" = "1" ] \
      || fail "$wsdl: operation $op must have the fault Error (x:Error)"
    for pair in ExchangeSoap11:http://schemas.xmlsoap.org/wsdl/soap/ ExchangeSoap12:http://schemas.xmlsoap.org/wsdl/soap12/; do
      binding=${pair%%:*} bns=${pair#*:}
      bop="/*/*[local-name()='binding'][@name='$binding']/*[local-name()='operation'][@name='$op']"
      required=""
      [ "$binding" = ExchangeSoap12 ] && required="[@soapActionRequired='false']"
      [ "$(xpath_count "$wsdl" "$bop/*[local-name()='operation'][namespace-uri()='$bns'][@soapAction='$x_ns:$op']$required")" = "1" ] \
        || fail "$wsdl: $binding $op must have soapAction \"$x_ns:$op\"${required:+ and soapActionRequired=\"false\"}"
      [ "$(xpath_count "$wsdl" "$bop/*[local-name()='input' or local-name()='output']/*[local-name()='body'][namespace-uri()='$bns'][@use='literal']")" = "2" ] \
        || fail "$wsdl: $binding $op must have a literal body for input and output"
      [ "$(xpath_count "$wsdl" "$bop/*[local-name()='fault'][@name='Error']/*[local-name()='fault'][namespace-uri()='$bns'][@name='Error'][@use='literal']")" = "1" ] \
        || fail "$wsdl: $binding $op must have the literal fault Error"
    done
  done
  [ "$(xpath_count "$wsdl" "/*/*[local-name()='binding']/*[local-name()='operation']")" = "$(( 2 * $(echo "$operations" | wc -w) ))" ] \
    || fail "$wsdl: each binding must have exactly the operations of the port type"

  for example in "$soap_dir"/examples/*.xml; do
    name=$(basename "$example")
    if ! xmllint --noout --nonet "$example" 2>"$tmp/err"; then
      fail "$example is not well-formed: $(cat "$tmp/err")"
      continue
    fi
    env_ns=$(xmllint --nonet --xpath 'namespace-uri(/*)' "$example" 2>/dev/null)
    [ "$(xpath_count "$example" "$body_child")" = "1" ] || { fail "$example: not a SOAP 1.1 or 1.2 envelope whose Body has one element"; continue; }
    case "$name" in
      fault.soap11.xml | fault.soap12.xml)
        want=$soap11_ns
        [ "$name" = fault.soap12.xml ] && want=$soap12_ns
        [ "$env_ns" = "$want" ] || fail "$example: must be a SOAP ${name#fault.soap} envelope ($want)"
        if [ "$env_ns" = "$soap11_ns" ]; then
          [ "$(xpath_count "$example" "${body_child}[local-name()='Fault']/*[namespace-uri()=''][local-name()='faultcode' or local-name()='faultstring' or local-name()='detail']")" = "3" ] \
            || fail "$example: a SOAP 1.1 fault has faultcode, faultstring and detail"
        else
          [ "$(xpath_count "$example" "${body_child}[local-name()='Fault']/*[local-name()='Code']/*[local-name()='Value'] | ${body_child}[local-name()='Fault']/*[local-name()='Reason']/*[local-name()='Text'] | ${body_child}[local-name()='Fault']/*[local-name()='Detail']")" = "3" ] \
            || fail "$example: a SOAP 1.2 fault has Code/Value, Reason/Text and Detail"
        fi
        [ "$(xpath_count "$example" "${fault_detail_child}[local-name()='Error'][namespace-uri()='$x_ns']")" = "1" ] \
          || fail "$example: the fault's detail must be one x:Error"
        ;;
      *.request.xml | *.response.xml)
        op=${name%%.*} suffix=Request
        case "$name" in *.response.xml) suffix=Response ;; esac
        echo "$operations" | grep -qxF "$op" || fail "$example: $op is not an operation of $wsdl"
        [ "$(xpath_count "$example" "${body_child}[local-name()='$op$suffix'][namespace-uri()='$x_ns']")" = "1" ] \
          || fail "$example: the Body's child must be x:$op$suffix"
        ;;
      *) fail "$example: name it <Operation>.request.xml, <Operation>.response.xml, fault.soap11.xml or fault.soap12.xml" ;;
    esac
    if ! soap_validate "$example"; then
      fail "$example does not validate against $exchange_xsd:"
      sed 's/^/    /' "$tmp/err" >&2
      continue
    fi
    soap_examples=$((soap_examples + 1))
    echo "ok   $example"
  done
  for name in fault.soap11.xml fault.soap12.xml; do
    [ -f "$soap_dir/examples/$name" ] || fail "$soap_dir/examples/$name: missing (a fault example of each SOAP version)"
  done
fi

# Each line: example|sed expression that breaks it (the part checked must then fail to validate).
soap_must_fail=(
  "$soap_dir/examples/SendRequest.request.xml|s|<x:MessageID>db5b5fab|<x:MessageID>DB5B5FAB|"
  "$soap_dir/examples/SendRequest.request.xml|s|<m:AddresseeCode>ZAGS-BIYSK</m:AddresseeCode>||"
  "$soap_dir/examples/SendRequest.request.xml|s|<m:RequesterCode>SOCPROT-BIYSK</m:RequesterCode>|<x:RequesterCode>SOCPROT-BIYSK</x:RequesterCode>|"
  "$soap_dir/examples/SendRequest.request.xml|s|</x:MessagePrimaryContent>|<Second xmlns=\"urn:example\"/></x:MessagePrimaryContent>|"
  "$soap_dir/examples/SendRequest.request.xml|s|</x:SenderProvidedRequestData>|<x:TestMessage>yes</x:TestMessage></x:SenderProvidedRequestData>|"
  "$soap_dir/examples/SendResponse.request.xml|s|<m:Data/>||"
  "$soap_dir/examples/Ack.request.xml|s|accepted=\"true\"|accepted=\"maybe\"|"
  "$soap_dir/examples/GetRequest.response.xml|s|<m:AcceptedAt>2025-03-11T03:12:45.318Z|<m:AcceptedAt>2025-03-11T03:12:45Z|"
  "$soap_dir/examples/GetMessageState.response.xml|s|<m:State>ANSWERED</m:State>|<m:State>DONE</m:State>|"
  "$soap_dir/examples/GetIncomingQueueStatistics.response.xml|s|<PendingMessageNumber>3<|<PendingMessageNumber>-3<|"
  "$soap_dir/examples/fault.soap11.xml|s|<x:Code>INVALID_MESSAGE</x:Code>|<x:Code>invalid message</x:Code>|"
)
soap_negatives=0
for line in "${soap_must_fail[@]}"; do
  example=${line%%|*}
  expr=${line#*|}
  soap_negatives=$((soap_negatives + 1))
  broken="$tmp/soap-broken-$soap_negatives-$(basename "$example")"
  sed "$expr" "$example" >"$broken"
  if cmp -s "$example" "$broken"; then
    fail "SOAP negative check $soap_negatives ($expr) did not change $example"
  elif soap_validate "$broken"; then
    fail "SOAP negative check $soap_negatives: $example with '$expr' should not validate against $exchange_xsd"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "check.sh: $failures failure(s)" >&2
  exit 1
fi
echo "check.sh: $types types, $checked schemas, $n negative checks; SOAP: $soap_examples examples, $soap_negatives negative checks: all passed"
