#!/usr/bin/env bash
# The whole test suite: install missing Debian packages, build warning-free (-Werror), run
# every test with CTest. `scripts/test.sh --asan` does the same under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=ci
[[ "${1:-}" == "--asan" ]] && preset=asan
# sinkhub loads plugins only from directories nobody else can write, up to / (README, "Sinks
# and plugins"); the tests load the build tree's, so a checkout below a directory such as /tmp
# (mode 1777) would fail hundreds of them for one reason: say it once, first.
d=$(pwd -P)
while :; do
  if (( 8#$(stat -c %a "$d") & 8#022 )); then
    echo "test.sh: $d is writable by group or others, and sinkhub refuses plugins below it:" \
         "check out elsewhere (not under /tmp), or chmod go-w $d" >&2
    exit 1
  fi
  [[ "$d" == / ]] && break
  d=$(dirname "$d")
done
scripts/install-deps.sh --test
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset" -j"$(nproc)" --timeout 300
