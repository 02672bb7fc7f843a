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
  # well-kept helpers: CLI, JSON, logging
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libbenchmark-dev
  # tests and tools: xmllint for schemas/check.sh, clang and its fuzzer runtime for tools/run-fuzz.sh
  openssl clang-format clang-tidy libxml2-utils clang libclang-rt-14-dev
)

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
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
