#!/usr/bin/env bash
# Long fuzzing runs of every target in tests/fuzz (issue 15): not part of CI, which fuzzes each
# target for SINKHUB_FUZZ_SECONDS (ctest -L fuzz). Builds tests/fuzz standalone with clang +
# libFuzzer + ASan/UBSan, then fuzzes each target in turn with `jobs` parallel workers, keeping
# the grown corpus between runs in the work directory (worker logs in logs/<target>/).
# Crashers are left there; minimise one
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
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs/$t"
  echo "fuzz.sh: $t for ${seconds}s with $jobs jobs" >&2
  # In its own directory: with -jobs, libFuzzer writes each worker's output to ./fuzz-N.log.
  (cd "$work/logs/$t" && exec "$work/build/$t" -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" \
    "$work/corpus/$t" "$root/tests/fuzz/corpus/$t") >"$work/$t.log" 2>&1 || status=1
  # crash-, leak-, timeout-, oom- are findings; slow-unit- only says an input took over 10 s
  # of wall time (on a busy machine, often the machine): reported, not a failure.
  found=$(find "$work/artifacts/$t" -type f ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$work/artifacts/$t" -type f -name 'slow-unit-*' | wc -l)
  runs=$(cat "$work/logs/$t"/fuzz-*.log 2>/dev/null | awk '/^stat::number_of_executed_units/ { n += $2 } END { print n + 0 }')
  cov=$(cat "$work/logs/$t"/fuzz-*.log 2>/dev/null |
        awk '/DONE +cov:/ { for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1) } }
             END { if (c != "") print "cov " c ", ft " f }')
  echo "fuzz.sh: $t: $runs executions, ${cov:-no final stats}, corpus $(find "$work/corpus/$t" -type f | wc -l) inputs," \
       "$found finding(s), $slow slow unit(s) in $work/artifacts/$t" >&2
  [[ "$found" -eq 0 ]] || status=1
done
exit "$status"
