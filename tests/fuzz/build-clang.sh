#!/usr/bin/env bash
# Builds tests/fuzz standalone with clang + libFuzzer (the fuzz.build test, bench/fuzz.sh).
#   build-clang.sh SOURCE_DIR BUILD_DIR [CLANG CLANGXX]
set -euo pipefail
src="$1" build="$2" cc="${3:-clang}" cxx="${4:-clang++}"
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2
