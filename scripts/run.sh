#!/usr/bin/env bash
# Sets everything up on Debian 12 and runs the gateway in the foreground on its embedded
# defaults (SIP 0.0.0.0:5060 udp+tcp, RELOAD 0.0.0.0:6084, metrics 0.0.0.0:9464).
# Arguments go to `p2psip gateway` (try --help). Ctrl-C stops it cleanly.
# Builds into build-run/ (no tests), so it never changes the tests' build/ (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --build-only
BUILD_DIR=build-run ./scripts/build.sh -DP2PSIP_BUILD_TESTS=OFF
exec ./build-run/gateway/p2psip gateway "$@"
