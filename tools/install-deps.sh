#!/usr/bin/env bash
# Installs, by Debian 12 package name, everything mezhved needs to build, run and test. Idempotent: packages that
# are present are left alone, and apt is not touched at all when nothing is missing. Run as root.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  # the design card's libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libxml2-dev libxmlsec1-dev libssl-dev catch2
  # GOST R 34.10-2012 for OpenSSL 3, and what unpacks Debian's xmlsec1 sources (built with GOST: see below)
  libengine-gost-openssl dpkg-dev
  # well-kept helpers: CLI, JSON, logging; HTTP: Boost.Beast (header-only) serves the SOAP API, cpp-httplib is the
  # tests' independent HTTP client
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libbenchmark-dev libboost-dev libcpp-httplib-dev
  # the operators' console: Argon2id password hashes (memory-hard), from the reference implementation
  libargon2-dev
  # the systemd service: readiness, reload and stop reported to systemd (Type=notify); systemd-analyze checks the unit
  libsystemd-dev systemd
  # tests and tools: xmllint for schemas/check.sh, clang and its fuzzer runtime for tools/run-fuzz.sh
  openssl clang-format clang-tidy libxml2-utils clang libclang-rt-14-dev
  # the stock XMLDSig command-line tool, for the interoperability tests of the seals
  xmlsec1
  # promtool, which checks and unit-tests the alert rules of deploy/prometheus (tests/deploy); its server stays off
  prometheus
  # the browser the console's end-to-end tests drive with playwright-core from npm (tests/console/e2e); Debian's
  # own build, so no browser is downloaded at test time
  chromium
)
# Node.js and npm: the build fetches the console's chart library (adapters/console/web, pinned by its lock file), and
# the tests run the stock WSDL-driven SOAP client (tests/soap/wsdl_client) and playwright-core; a machine that has its
# own Node.js keeps it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Install packages without starting services: prometheus's postinst starts a Prometheus server (through its init
  # script where systemd does not run, as in a container), and a start that fails fails the whole install. A
  # policy-rc.d that denies every start is Debian's switch for that (invoke-rc.d and deb-systemd-invoke obey it); a
  # machine's own policy-rc.d is kept.
  policy_rc_d=/usr/sbin/policy-rc.d
  if [[ ! -e "$policy_rc_d" ]]; then
    trap 'rm -f "$policy_rc_d"' EXIT
    printf '#!/bin/sh\n# tools/install-deps.sh: no service starts while it installs\nexit 101\n' >"$policy_rc_d"
    chmod 755 "$policy_rc_d"
  else
    policy_rc_d=""
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ -n "$policy_rc_d" ]]; then
    rm -f "$policy_rc_d"
    trap - EXIT
  fi
  # Only promtool is wanted: under systemd, keep the server the package enables from starting at the next boot.
  if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
    systemctl disable --quiet prometheus.service || true
  fi
fi

# Debian builds xmlsec1 without GOST. The project builds Debian's own xmlsec1 sources (with Debian's patches) with
# GOST R 34.10-2012 enabled, statically, into its build tree (cmake/XmlsecGost.cmake; docs/SIGNATURES.md). Here the
# sources are fetched, once, with apt-get source: signed and checksummed by the Debian archive like any package.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
xmlsec_src="$repo/third_party/xmlsec1"
if ! compgen -G "$xmlsec_src/xmlsec1-1.2.*/configure" >/dev/null; then
  deb_src=/etc/apt/sources.list.d/mezhved-deb-src.sources
  if ! grep -rqs "^Types:.*deb-src" /etc/apt/sources.list.d/ && ! grep -qs "^deb-src" /etc/apt/sources.list; then
    echo "adding a deb-src entry for bookworm ($deb_src) to fetch xmlsec1's sources"
    cat >"$deb_src" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt-get update -qq
  fi
  mkdir -p "$xmlsec_src"
  (cd "$xmlsec_src" && apt-get source -qq xmlsec1 2>&1 | grep -v "unsandboxed" || true)
  compgen -G "$xmlsec_src/xmlsec1-1.2.*/configure" >/dev/null || { echo "apt-get source xmlsec1 failed" >&2; exit 1; }
fi
