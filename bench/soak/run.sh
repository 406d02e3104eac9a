#!/usr/bin/env bash
# The soak of issue 15: the real daemon for N minutes (default 30) under mixed webhooks (unique,
# duplicate, hostile), delivering to every shipped sink through fault-injecting proxies, with
# 20 kill -9/restart cycles; then drained and checked (bench/README.md says what).
#   bench/soak/run.sh [--minutes M] [--kills K] [--rate R] [--faults SPEC] [--seed N]
#                     [--drain-minutes D] [--results FILE|-] [--keep] [--work DIR]
# Needs a build (SINKHUB_BUILD_DIR, default build/: sinkhub, plugins/, fake_apify),
# python3 and s3rver (scripts/install-deps.sh --test). Exit 0: every invariant held; 1: one
# failed (listed) or the soak could not run; 2: bad arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SINKHUB_BUILD_DIR:-build}"
case "${1:-}" in -h | --help) sed -n 2,10p "$0"; exit 0 ;; esac
# Debian's python3 (the standard library only); PYTHON=... to use another
py="${PYTHON:-/usr/bin/python3}"
[[ -x "$py" ]] || py="$(command -v python3 || true)"
[[ -n "$py" ]] || { echo "run.sh: python3 not found (apt-get install python3)" >&2; exit 1; }
for f in "$build/sinkhub" "$build/fake_apify" "$build/plugins/file.so" "$build/plugins/slack.so" \
         "$build/plugins/s3.so" tests/s3/s3rver/node_modules/.bin/s3rver; do
  [[ "$f" = /* ]] || f="$root/$f"
  [[ -e "$f" ]] || { echo "run.sh: $f missing (cmake --build $build --target sinkhub file slack s3 fake_apify; scripts/install-deps.sh --test)" >&2; exit 1; }
done
cd "$root"
PYTHONDONTWRITEBYTECODE=1 exec "$py" bench/soak/soak.py --build "$build" --command "$(printf '%q ' "$0" "$@" | sed 's/ $//')" "$@"
