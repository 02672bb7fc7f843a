#!/usr/bin/env bash
# deploy/systemd/mezhved.service: `systemd-analyze verify` finds nothing wrong with it, and
# `systemd-analyze security --offline=true` rates its exposure 2.0 or lower. Also checks that the unit is the
# Type=notify service the daemon is written for, reloading with SIGHUP.
#
# verify checks that ExecStart's program exists: the unit is checked with the built mezhvedd in its place (the only
# line changed).
# Usage: check_systemd_unit.sh SOURCE_DIR MEZHVEDD
set -euo pipefail
source_dir=$1
daemon=$2
unit="$source_dir/deploy/systemd/mezhved.service"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found: install Debian's systemd" >&2; exit 1; }
grep -qx 'ExecStart=/usr/bin/mezhvedd --config /etc/mezhved/mezhved.textproto' "$unit" ||
  { echo "ExecStart is not the packaged daemon and config" >&2; exit 1; }
for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'User=mezhved' 'NoNewPrivileges=yes' \
            'ProtectSystem=strict' 'PrivateTmp=yes' 'PrivateDevices=yes' 'MemoryDenyWriteExecute=yes' \
            'SystemCallFilter=@system-service' 'CapabilityBoundingSet='; do
  grep -qxF "$line" "$unit" || { echo "the unit lacks: $line" >&2; exit 1; }
done

sed "s|^ExecStart=/usr/bin/mezhvedd |ExecStart=$daemon |" "$unit" > "$work/mezhved.service"
verify=$(systemd-analyze verify "$work/mezhved.service" 2>&1) || { echo "$verify" >&2; exit 1; }
if [[ -n "$verify" ]]; then
  echo "systemd-analyze verify printed:" >&2
  echo "$verify" >&2
  exit 1
fi

security=$(systemd-analyze security --offline=true --no-pager "$work/mezhved.service" 2>&1)
score=$(sed -n 's/.*Overall exposure level for mezhved.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [[ -z "$score" ]]; then
  echo "no exposure level in:" >&2
  echo "$security" >&2
  exit 1
fi
echo "exposure level: $score"
if ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
  echo "exposure level $score is over 2.0:" >&2
  grep '✗' <<<"$security" >&2
  exit 1
fi
