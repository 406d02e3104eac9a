#!/usr/bin/env bash
# Fuzzes one libFuzzer target for a bounded time from its seed corpus, without writing into
# the source tree: new inputs and any crasher go to a temporary directory, and a crasher is
# printed (base64) so a CI log is enough to reproduce it (add it to corpus/<target>/).
#   run-fuzz.sh BINARY SEED_DIR SECONDS [extra libFuzzer flags]
set -euo pipefail
bin="$1" seeds="$2" seconds="$3"
shift 3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
status=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds" || status=$?
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [[ -e "$f" ]] || continue
  echo "run-fuzz: $(basename "$f") (base64):" >&2
  base64 -w0 "$f" >&2
  echo >&2
done
exit "$status"
