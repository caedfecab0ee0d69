#!/usr/bin/env bash
# Installs every build and test dependency of p2psip-gateway on Debian 12 (bookworm).
# Idempotent; needs root (or sudo). Starts no daemons.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config ninja-build
  libsofia-sip-ua-dev libc-ares-dev libssl-dev libuv1-dev
  prometheus-cpp-dev doctest-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
)
TEST_PKGS=(
  sip-tester prometheus kamailio nsd tshark curl python3 python3-yaml iproute2
  clang-14 libclang-rt-14-dev llvm-14
  podman buildah debootstrap
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" != "--build-only" ]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
${SUDO:+$SUDO -E} apt-get install -y -qq --no-install-recommends "${missing[@]}"
