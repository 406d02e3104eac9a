#!/usr/bin/env bash
# Long fuzzing runs of every target in tests/fuzz (issue 15): not part of CI, which fuzzes each
# target for SINKHUB_FUZZ_SECONDS (ctest -L fuzz). Builds tests/fuzz standalone with clang +
# libFuzzer + ASan/UBSan, then fuzzes each target in turn with `jobs` parallel workers, keeping
# the grown corpus between runs in the work directory. Crashers are left there; minimise one
# with `BIN -minimize_crash=1 FILE` and add it to tests/fuzz/corpus/<target>/ with the fix.
#   bench/fuzz.sh [--hours H] [--jobs N] [--work DIR] [TARGET...]
# Defaults: 1 hour per target, 2 jobs, work in build-fuzz/, every target.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hours=1 jobs=2 work="$root/build-fuzz"
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hours) hours="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h | --help) sed -n 2,9p "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/install-deps.sh --test)" >&2; exit 1; }
"$root/tests/fuzz/build-clang.sh" "$root/tests/fuzz" "$work/build"
if [[ ${#targets[@]} -eq 0 ]]; then
  for d in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
seconds=$(awk -v h="$hours" 'BEGIN { printf "%d", h * 3600 }')
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "fuzz.sh: $t for ${seconds}s with $jobs jobs" >&2
  "$work/build/$t" -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" \
    "$work/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1 || status=1
  found=$(find "$work/artifacts/$t" -type f | wc -l)
  echo "fuzz.sh: $t: corpus $(find "$work/corpus/$t" -type f | wc -l) inputs, $found crasher(s) in $work/artifacts/$t" >&2
  [[ "$found" -eq 0 ]] || status=1
done
exit "$status"
