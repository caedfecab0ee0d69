#!/usr/bin/env bash
# The verdict on one ctest run, from its exit code and its output (as scripts/test.sh tees it):
# fails when ctest failed, when it ran no test, or when any test was skipped (exit 77 =
# SKIP_RETURN_CODE: a tool missing, not root, a capture that did not start, no container
# base). ctest itself counts a skipped test as passed; CI must not pass on work it did not do.
#   scripts/ctest-verdict.sh CTEST_EXIT_CODE CTEST_OUTPUT_FILE [BUILD_DIR]
# With BUILD_DIR, the SKIP lines the skipped tests printed are shown (from ctest's LastTest.log).
set -euo pipefail
rc="$1"
log="$2"
build="${3:-}"
if [ "$rc" -ne 0 ]; then
  echo "ctest-verdict: FAILED: ctest exited $rc (see the output above)"
  exit 1
fi
# "100% tests passed, 0 tests failed out of N"
total=$(sed -n 's/.*tests passed, [0-9]* tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$total" ] || [ "$total" -eq 0 ]; then
  echo "ctest-verdict: FAILED: ctest ran no test"
  exit 1
fi
# ctest lists skipped (and disabled) tests after "The following tests did not run:", one per
# line as "<tab>  N - name (Skipped)"; each test's result line says "***Skipped" as well.
skipped=$(sed -n '/^The following tests did not run:/,/^[^[:space:]]/p' "$log" |
          grep -E '^[[:space:]]+[0-9]+ - ' || true)
skipped_lines=$(grep -cE 'Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)
if [ -n "$skipped" ] || [ "$skipped_lines" -ne 0 ]; then
  echo "ctest-verdict: FAILED: tests did not run (each says why in its output, look for SKIP):"
  if [ -n "$skipped" ]; then echo "$skipped"; else grep -E '\*\*\*Skipped' "$log"; fi
  last="$build/Testing/Temporary/LastTest.log"
  if [ -n "$build" ] && [ -f "$last" ]; then
    echo "ctest-verdict: why:"
    grep -E '^(SKIP|[0-9]+/[0-9]+ Test: )' "$last" | grep -B1 '^SKIP' | grep -v '^--$' || true
  fi
  exit 1
fi
echo "ctest-verdict: all $total tests ran and passed"
