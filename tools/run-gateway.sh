#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs mezhvedd in the foreground on the
# embedded default: deploy/default/mezhved.textproto, data in var/data, loopback only (agency API 127.0.0.1:7790,
# operator API 127.0.0.1:7791, plain text with a warning). Ctrl-C stops it cleanly. Extra arguments go to mezhvedd.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/tools/install-deps.sh"
"$repo/tools/build.sh" --target mezhvedd mezhvedctl
mkdir -p "$repo/var"
# The trial seals what it accepts like a real gateway (docs/SIGNATURES.md): with a GOST key of its own, made once.
keys="$repo/var/keys"
if [[ ! -f $keys/seal.key || ! -f $keys/seal.pem ]]; then
  mkdir -p "$keys"
  OPENSSL_CONF="$repo/deploy/openssl-gost.cnf" openssl genpkey -algorithm gost2012_256 -pkeyopt paramset:A \
    -out "$keys/seal.key"
  OPENSSL_CONF="$repo/deploy/openssl-gost.cnf" openssl req -new -x509 -key "$keys/seal.key" -md_gost12_256 \
    -days 3650 -subj "/CN=mezhved trial gateway" -out "$keys/seal.pem"
  chmod 600 "$keys/seal.key"
  echo "mezhvedd: made a trial sealing key in $keys (GOST R 34.10-2012)"
fi
echo "mezhvedd: agency API 127.0.0.1:7790, operator API 127.0.0.1:7791, SOAP API http://127.0.0.1:7792/soap?wsdl;" \
     "try: $repo/build/tools/mezhvedctl/mezhvedctl --insecure queues"
exec "$repo/build/daemon/mezhvedd" --config "$repo/deploy/default/mezhved.textproto" "$@"
