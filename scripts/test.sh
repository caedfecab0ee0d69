#!/usr/bin/env bash
# Sets everything up on Debian 12 and runs every test: unit and integration tests (ctest),
# the unit tests again under ASan+UBSan, and each fuzz target for a bounded time.
#   FUZZ_SECONDS=N (default 20) sets the per-target fuzz time; FUZZ_SECONDS=0 leaves fuzzing out.
#   RUN_CONTAINER_TESTS=0 leaves the container smoke test out.
# Only these two explicit opt-outs leave work undone: a test that reports itself skipped (exit
# 77: a tool missing, not root, a capture that did not start, no container base) fails the run,
# and so does a ctest run that found no tests.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
step() { echo; echo "==== $* ($(date +%T))"; }

step "installing dependencies"
./scripts/install-deps.sh

step "build (warnings on)"
# build/ is the tests' build directory (run.sh builds into build-run/ without tests); the
# option is set explicitly so that no cached configuration can leave the tests out.
BUILD_DIR=build ./scripts/build.sh -DP2PSIP_BUILD_TESTS=ON

step "ctest: unit and integration tests"
# The container smoke test (label `container`: podman image from a debootstrapped bookworm, run
# with buildah; needs root, and the Debian mirror until its base is cached in
# /var/cache/p2psip-ci) runs by default; RUN_CONTAINER_TESTS=0 leaves it out.
label_filter=()
if [ "${RUN_CONTAINER_TESTS:-1}" = "0" ]; then label_filter=(-LE container); fi
ctest_log="build/ctest-last.log"
set +e
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs" --timeout 600 \
  "${label_filter[@]}" 2>&1 | tee "$ctest_log"
ctest_rc=${PIPESTATUS[0]}
set -e
./scripts/ctest-verdict.sh "$ctest_rc" "$ctest_log" build

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 -g1: line tables are enough for symbolised reports and compile much faster than -O2 -g.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DP2PSIP_SANITIZE=ON -DP2PSIP_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs" --target unit_tests
asan_log="build-asan/ctest-last.log"
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure --no-tests=error -j"$jobs" 2>&1 |
  tee "$asan_log"
asan_rc=${PIPESTATUS[0]}
set -e
./scripts/ctest-verdict.sh "$asan_rc" "$asan_log" build-asan

if [ "${FUZZ_SECONDS:-20}" != "0" ]; then
  step "fuzzing each target for ${FUZZ_SECONDS:-20}s"
  ./scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
else
  step "fuzzing left out (FUZZ_SECONDS=0)"
fi
step "all tests passed"
