#!/usr/bin/env bash
# The whole test suite: install missing Debian packages, build warning-free (-Werror), run
# every test with CTest. `scripts/test.sh --asan` does the same under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=ci
[[ "${1:-}" == "--asan" ]] && preset=asan
scripts/install-deps.sh --test
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset" -j"$(nproc)" --timeout 300
