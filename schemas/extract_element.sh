# shellcheck shell=bash
# Sourced by schemas/check.sh and tests/soap/wsdl_client/offline_check.sh; needs xmllint.
#
# extract_element FILE XPATH OUT: the one element XPATH selects, as a standalone document with every namespace in scope
# at it declared on it (xmllint --xpath prints an element without the declarations of its ancestors, so they are
# taken from its namespace axis and replace the ones its start tag has). Returns 1 unless XPATH selects exactly one.
extract_element() {
  local file=$1 xpath=$2 out=$3 fragment decls head rest
  [ "$(xmllint --nonet --xpath "count($xpath)" "$file" 2>/dev/null)" = "1" ] || return 1
  fragment=$(xmllint --nonet --xpath "$xpath" "$file" 2>/dev/null) || return 1
  decls=$(xmllint --nonet --xpath "$xpath/namespace::*" "$file" 2>/dev/null | tr '\n' ' ')
  head=${fragment%%>*} # the start tag (libxml2 writes '>' in attribute values as &gt;)
  rest=${fragment#*>}
  head=$(printf '%s' "$head" | sed -E 's/[[:space:]]xmlns(:[^=[:space:]]+)?[[:space:]]*=[[:space:]]*("[^"]*"|'"'"'[^'"'"']*'"'"')//g')
  if [ "${head%/}" != "$head" ]; then
    printf '%s %s/>%s\n' "${head%/}" "$decls" "$rest" >"$out"
  else
    printf '%s %s>%s\n' "$head" "$decls" "$rest" >"$out"
  fi
}
