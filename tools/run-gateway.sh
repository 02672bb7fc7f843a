#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs mezhvedd in the foreground on the
# embedded default: deploy/default/mezhved.textproto, data in var/data, loopback only (agency API 127.0.0.1:7790,
# operator API 127.0.0.1:7791, plain text with a warning). Ctrl-C stops it cleanly. Extra arguments go to mezhvedd.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/tools/install-deps.sh"
"$repo/tools/build.sh" --target mezhvedd mezhvedctl
mkdir -p "$repo/var"
echo "mezhvedd: agency API 127.0.0.1:7790, operator API 127.0.0.1:7791;" \
     "try: $repo/build/tools/mezhvedctl/mezhvedctl --insecure queues"
exec "$repo/build/daemon/mezhvedd" --config "$repo/deploy/default/mezhved.textproto" "$@"
