#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan+UBSan) and runs each for a bounded time
# against its committed seed corpus in tests/fuzz/corpus/<target>/. New inputs go to a scratch
# directory, so the tree stays clean; a crash fails the run and leaves its input in build-fuzz/.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
build=build-fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DP2PSIP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
mapfile -t targets < <(find "$build/tests/fuzz" -type f -executable -name 'fuzz_*' | sort)
# Every target the sources declare and every committed corpus must have been built and run:
# a fuzz run that fuzzed nothing (or less than it should) is a failure, not a pass.
mapfile -t declared < <({ grep -rhoE 'p2psip_fuzz_target\(fuzz_[a-z0-9_]+' tests/fuzz |
                          sed 's/.*(//'; ls tests/fuzz/corpus; } | sort -u)
missing=()
built=" $(for exe in "${targets[@]}"; do basename "$exe"; done | tr '\n' ' ') "
for name in "${declared[@]}"; do
  case "$built" in *" $name "*) ;; *) missing+=("$name") ;; esac
done
if [ "${#targets[@]}" -eq 0 ]; then echo "fuzz: FAILED: no fuzz target was built"; exit 1; fi
if [ "${#missing[@]}" -ne 0 ]; then echo "fuzz: FAILED: not built: ${missing[*]}"; exit 1; fi
status=0
for exe in "${targets[@]}"; do
  name=$(basename "$exe")
  seeds="tests/fuzz/corpus/$name"
  scratch=$(mktemp -d)
  mkdir -p "$seeds"
  dict=$(find tests/fuzz -name "$name.dict" | head -1)  # optional: tokens for the mutator
  echo "fuzz: $name for ${secs}s (seeds: $(ls "$seeds" | wc -l)${dict:+, dictionary})"
  if ! (cd "$build" && "$OLDPWD/$exe" -max_total_time="$secs" -rss_limit_mb=2048 \
        ${dict:+-dict="$OLDPWD/$dict"} -print_final_stats=1 "$scratch" "$OLDPWD/$seeds" 2>"$name.log"); then
    echo "fuzz: $name FOUND A FAILURE, see $build/$name.log"; tail -40 "$build/$name.log"; status=1
  fi
  grep -E '^(Done|stat::number_of_executed_units)' "$build/$name.log" | sed "s/^/fuzz: $name: /" || true
  rm -rf "$scratch"
done
exit $status
