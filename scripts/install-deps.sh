#!/usr/bin/env bash
# Installs every build and test dependency of p2psip-gateway on Debian 12 (bookworm).
# Idempotent; needs root (or sudo). Starts no daemons: kamailio, nsd and prometheus are tools
# the tests start on free loopback ports; as system services they would take 5060 (kamailio)
# from the gateway that scripts/run.sh starts. So apt-get runs behind a policy-rc.d that
# refuses every service start (exit 101), and where systemd runs, the services of the packages
# installed here are disabled and stopped afterwards.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config ninja-build
  libsofia-sip-ua-dev libc-ares-dev libssl-dev libuv1-dev
  prometheus-cpp-dev doctest-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libxml2-dev libjemalloc-dev
)
# Every program the tests, benchmarks and the container smoke test run, by package:
#   sip-tester: sipp            prometheus: prometheus, promtool   kamailio: kamailio
#   nsd: nsd                    tshark: tshark (and dumpcap)       openssl: openssl (test_ca_cli)
#   curl, python3, python3-yaml (deploy tests), iproute2: ss/ip    util-linux: lscpu, flock
#   python3-cryptography: X.509 and signatures of the independent RELOAD node (tests/interop)
#   clang-14, libclang-rt-14-dev, llvm-14: fuzz targets and sanitizers
#   podman, buildah, debootstrap: the container smoke test
#   jing, trang: RELAX NG validation of the configuration document (RFC 6940 §11.1.1; tests/enroll)
#   python3-kubernetes: the Kubernetes API schema deploy/k8s/ is checked against (k8s_manifests)
TEST_PKGS=(
  sip-tester prometheus kamailio nsd tshark openssl curl python3 python3-yaml iproute2
  python3-cryptography python3-kubernetes
  util-linux clang-14 libclang-rt-14-dev llvm-14
  podman buildah debootstrap jing trang
)
# Packages among TEST_PKGS that ship a system service.
SERVICES=(kamailio nsd prometheus)

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

# policy-rc.d (Debian policy §9.3.3.1): 101 = "action forbidden", honoured by invoke-rc.d and
# deb-systemd-invoke, so no maintainer script starts a service. An existing one is put back.
policy=/usr/sbin/policy-rc.d
saved=""
restore_policy() {
  if [ -n "$saved" ]; then $SUDO mv -f "$saved" "$policy"; else $SUDO rm -f "$policy"; fi
}
if [ -e "$policy" ]; then
  saved="$policy.p2psip-saved"
  $SUDO mv -f "$policy" "$saved"
fi
trap restore_policy EXIT
printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts while it installs\nexit 101\n' |
  $SUDO tee "$policy" >/dev/null
$SUDO chmod 755 "$policy"

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
${SUDO:+$SUDO -E} apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Packages still enable their units (started at the next boot): disable and stop those of the
# packages installed just now. Without systemd (containers, CI runners) there is nothing to do.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for s in "${SERVICES[@]}"; do
    case " ${missing[*]} " in *" $s "*) ;; *) continue ;; esac
    if systemctl list-unit-files "$s.service" >/dev/null 2>&1; then
      echo "install-deps: systemctl disable --now $s (a test tool, not a service here)"
      $SUDO systemctl disable --now "$s.service" || true
    fi
  done
fi
