#!/usr/bin/env bash
# The package test (docs/OPERATIONS.md, "Install and first start"; not part of the default test command: it
# bootstraps a Debian root from the archive, which takes minutes and the network). As root:
#
#   tools/package-test.sh [BUILD_DIR [ROOT]]      # defaults: build, /var/tmp/mezhved-package-root
#
# 1. Makes the .deb packages twice from BUILD_DIR (which must have built mezhvedd and mezhvedctl): release 1, and
#    release 2 standing for the next version.
# 2. Bootstraps a clean Debian 12 root with debootstrap (kept in ROOT for the next run) and installs release 1 with
#    apt-get, so that every dependency comes from Debian's archive.
# 3. Checks what the maintainer scripts made (the mezhved user, its directories and permissions), starts the installed
#    daemon with the installed config as the mezhved user, and runs a request/response cycle over the SOAP API with
#    curl: SendRequest, GetRequest, SendResponse, GetResponse.
# 4. Sends 20 more requests that stay in flight, changes the config as an administrator would, stops the daemon,
#    upgrades to release 2 with apt-get, starts it again: the config keeps the change, and all 20 requests are
#    delivered.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
root=${2:-/var/tmp/mezhved-package-root}
work=$(mktemp -d)
examples="$repo/schemas/soap/1/examples"
soap="http://127.0.0.1:7792/soap"
daemon_pid=""

say() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" || true
    wait "$daemon_pid" || true
  fi
  mountpoint -q "$root/proc" && umount "$root/proc" || true
  rm -rf "$work"
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || fail "run as root"
for tool in debootstrap curl xmllint; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap curl libxml2-utils
done

# ---- 1. The packages, release 1 and release 2 ----
for release in 1 2; do
  MEZHVED_PACKAGE_RELEASE=$release cmake "$build" >/dev/null
  (cd "$build" && cpack -B "$work/release-$release" >/dev/null)
  ls "$work/release-$release"/*.deb >/dev/null || fail "cpack made no package"
done
cmake "$build" >/dev/null  # back to the build's own settings
say "packages: $(cd "$work" && ls release-*/*.deb | tr '\n' ' ')"

# ---- 2. A clean Debian 12 root, and release 1 installed with apt-get ----
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
  rm -rf "$root"
  say "debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
fi
# A root from an earlier run is returned to the state before any install.
chroot "$root" /bin/sh -c 'dpkg --purge mezhved mezhved-cli >/dev/null 2>&1 || true; rm -rf /etc/mezhved /var/lib/mezhved'
chroot "$root" /bin/sh -c 'deluser --system --quiet mezhved >/dev/null 2>&1 || true'
mount -t proc proc "$root/proc"
mkdir -p "$root/tmp/packages"
rm -rf "$root/tmp/packages"/*
cp -r "$work/release-1" "$work/release-2" "$root/tmp/packages/"
chroot "$root" apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  /tmp/packages/release-1/mezhved_0.1.0-1_amd64.deb /tmp/packages/release-1/mezhved-cli_0.1.0-1_amd64.deb \
  >"$work/install.log" 2>&1 || { tail -30 "$work/install.log"; fail "apt-get install of release 1"; }
say "installed: $(chroot "$root" dpkg-query -W -f '${Package} ${Version}, ' mezhved mezhved-cli)"

# ---- 3. What postinst made, the daemon as the mezhved user, a request/response cycle ----
chroot "$root" id mezhved >/dev/null || fail "no mezhved user"
# Owners as the installed system names them (the host's names for the same ids differ).
owner() { chroot "$root" stat -c '%U:%G %a' "$1"; }
[[ $(owner /var/lib/mezhved) == "mezhved:mezhved 750" ]] || fail "/var/lib/mezhved: $(owner /var/lib/mezhved)"
[[ $(owner /etc/mezhved/mezhved.textproto) == "root:mezhved 640" ]] || fail "config: $(owner /etc/mezhved/mezhved.textproto)"
[[ $(owner /etc/mezhved/keys) == "root:mezhved 750" ]] || fail "keys directory: $(owner /etc/mezhved/keys)"
grep -qx /etc/mezhved/mezhved.textproto "$root/var/lib/dpkg/info/mezhved.conffiles" || fail "the config is no conffile"

start_daemon() {
  rm -f "$root/var/lib/mezhved/ready.json"
  chroot --userspec=mezhved:mezhved "$root" /bin/sh -c \
    'cd /var/lib/mezhved && exec /usr/bin/mezhvedd --config /etc/mezhved/mezhved.textproto --ready-file /var/lib/mezhved/ready.json' \
    >>"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 300); do
    [[ -s "$root/var/lib/mezhved/ready.json" ]] && return 0
    kill -0 "$daemon_pid" 2>/dev/null || { tail -20 "$work/daemon.log"; fail "mezhvedd exited"; }
    sleep 0.1
  done
  fail "mezhvedd not ready in 30 s"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || fail "mezhvedd stopped with status $?"
  daemon_pid=""
}

# One SOAP call as an organisation: the operation, the organisation, the request body on stdin; the answer on stdout,
# SOAP 1.1 or 1.2 as the envelope is written (the examples use both).
call() {
  local body content_type="text/xml; charset=utf-8"
  body=$(cat)
  if [[ "$body" == *"http://www.w3.org/2003/05/soap-envelope"* ]]; then
    content_type="application/soap+xml; charset=utf-8; action=\"urn:mezhved:exchange:1:$1\""
  fi
  curl -sS --fail-with-body -H "Content-Type: $content_type" -H "SOAPAction: urn:mezhved:exchange:1:$1" \
    -H "X-Mezhved-Organisation: $2" --data-binary @- "$soap" <<<"$body"
}
field() { xmllint --xpath "string(//*[local-name()='$1'])" -; }

send_request() {
  sed "s|db5b5fab-8f4d-4e27-9da1-494c73cf256d|$(cat /proc/sys/kernel/random/uuid)|" "$examples/SendRequest.request.xml" |
    call SendRequest SOCPROT-BIYSK | field MessageID
}
get_request() { call GetRequest ZAGS-BIYSK <"$examples/GetRequest.request.xml"; }

start_daemon
daemon_uid=$(stat -c %u "/proc/$(pgrep -n -x mezhvedd)")
[[ "$daemon_uid" == "$(chroot "$root" id -u mezhved)" ]] || fail "the daemon runs as uid $daemon_uid, not as mezhved"
say "mezhvedd serves as mezhved (uid $daemon_uid)"
request_id=$(send_request)
[[ -n "$request_id" ]] || fail "SendRequest gave no MessageID"
received=$(get_request | field MessageId)
[[ "$received" == "$request_id" ]] || fail "GetRequest gave '$received', not $request_id"
sed -e "s|01958330-c106-7a4c-8123-b1612dd272d1|$request_id|" \
    -e "s|73ab4876-7734-47c1-87fd-e805ec99108d|$(cat /proc/sys/kernel/random/uuid)|" \
    "$examples/SendResponse.request.xml" | call SendResponse ZAGS-BIYSK >"$work/send-response.xml" ||
  fail "SendResponse: $(cat "$work/send-response.xml")"
answered=$(call GetResponse SOCPROT-BIYSK <"$examples/GetResponse.request.xml" | field RequestId)
[[ "$answered" == "$request_id" ]] || fail "GetResponse gave an answer to '$answered', not to $request_id"
say "request $request_id sent, received, answered and the answer received"

# ---- 4. An upgrade with messages in flight ----
in_flight=()
for _ in $(seq 1 20); do
  in_flight+=("$(send_request)")
done
echo '# changed by the administrator before the upgrade' >>"$root/etc/mezhved/mezhved.textproto"
stop_daemon
# No --force-conf* option: dpkg must keep the changed conffile of its own accord.
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  /tmp/packages/release-2/mezhved_0.1.0-2_amd64.deb /tmp/packages/release-2/mezhved-cli_0.1.0-2_amd64.deb \
  >>"$work/install.log" 2>&1 || { tail -30 "$work/install.log"; fail "apt-get install of release 2"; }
[[ $(chroot "$root" dpkg-query -W -f '${Version}' mezhved) == 0.1.0-2 ]] || fail "release 2 is not installed"
grep -qx '# changed by the administrator before the upgrade' "$root/etc/mezhved/mezhved.textproto" ||
  fail "the upgrade lost the administrator's change to the config"
[[ ! -e "$root/etc/mezhved/mezhved.textproto.dpkg-new" ]] || fail "dpkg left a .dpkg-new config"
start_daemon
delivered=""
for _ in $(seq 1 40); do  # one request a call, until a call waits in vain
  id=$(get_request | field MessageId || true)
  [[ -n "$id" ]] || break
  delivered+=" $id"
done
for id in "${in_flight[@]}"; do
  [[ " $delivered " == *" $id "* ]] || fail "request $id, in flight across the upgrade, was not delivered"
done
stop_daemon
say "upgraded to release 2 with ${#in_flight[@]} requests in flight: the config kept its change, all delivered"
say "PASSED"
