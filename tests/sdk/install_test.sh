#!/usr/bin/env bash
# Installs the SDK with `cmake --install` into a temporary prefix, builds both
# examples out of tree against it (CMake package, then pkg-config), checks that
# each plugin exports exactly the entry symbol, and loads each one with the
# test host (plugin_smoke).
# Finally the real daemon (sinkhub) loads both from a plugin directory.
#   install_test.sh <build-dir> <work-dir> <plugin_smoke> <cmake> <cc> <cxx> <sinkhub>
set -euo pipefail
build=$1 work=$2 smoke=$3 cmake=$4 cc=$5 cxx=$6 sinkhub=$7

fail() { echo "FAIL: $*" >&2; exit 1; }
exports_only_entry() {
  local so=$1 syms
  syms=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort)
  [[ "$syms" == "sinkhub_plugin_entry_v1" ]] || fail "$so exports: $(echo $syms)"
  echo "ok: $so exports only sinkhub_plugin_entry_v1"
}

rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
# Plain environment for the out-of-tree builds (no sanitizer preloads).
unset LD_PRELOAD CFLAGS CXXFLAGS LDFLAGS

"$cmake" --install "$build" --prefix "$prefix" --component sinkhub-sdk
for f in include/sinkhub/sink.h include/sinkhub/sink.hpp include/sinkhub/json.hpp include/sinkhub/options.hpp \
         include/sinkhub/http_outcome.hpp include/sinkhub/test_host.hpp share/doc/sinkhub-dev/ABI.md \
         share/doc/sinkhub-dev/examples/c-minimal/CMakeLists.txt \
         share/doc/sinkhub-dev/examples/cpp-minimal/count_cpp.cpp; do
  [[ -f "$prefix/$f" ]] || fail "not installed: $f"
done
config=$(find "$prefix" -name sinkhub-sdkConfig.cmake)
[[ -n "$config" ]] || fail "sinkhub-sdkConfig.cmake not installed"
cmakedir=$(dirname "$config")
for f in sinkhub-sdkConfigVersion.cmake sinkhub-sdkTargets.cmake SinkhubPlugin.cmake sinkhub_plugin.map; do
  [[ -f "$cmakedir/$f" ]] || fail "not installed: $cmakedir/$f"
done
pc=$(find "$prefix" -name sinkhub-sdk.pc)
[[ -n "$pc" ]] || fail "sinkhub-sdk.pc not installed"
# Only the SDK component: no daemon, no in-tree plugins.
[[ ! -e "$prefix/bin" ]] || fail "the sdk component installed binaries"

for ex in c-minimal cpp-minimal; do
  src="$prefix/share/doc/sinkhub-dev/examples/$ex"
  bdir="$work/build-$ex"
  "$cmake" -S "$src" -B "$bdir" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >/dev/null
  "$cmake" --build "$bdir" --parallel 2
  so=$(find "$bdir" -maxdepth 1 -name '*.so')
  [[ $(echo "$so" | wc -l) -eq 1 && -n "$so" ]] || fail "$ex: expected one .so in $bdir, got '$so'"
  [[ $(basename "$so") != lib* ]] || fail "$so has a lib prefix"
  exports_only_entry "$so"
  "$smoke" "$so"
  "$cmake" --install "$bdir" --prefix "$work/plugin-prefix" >/dev/null
  mkdir -p "$work/host-plugins"
  cp "$so" "$work/host-plugins/"
  [[ -n $(find "$work/plugin-prefix" -path "*/sinkhub/plugins/$(basename "$so")") ]] \
    || fail "$ex: not installed to lib/sinkhub/plugins"
done

# A plugin author's unit test, built against the installed SDK only: test_host.hpp drives the
# C example through a delivery of three items in batches of two.
cat > "$work/unit.cpp" <<'CPP'
#include <sinkhub/test_host.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  namespace t = sinkhub::plugin_test;
  t::TestHost host;
  t::Plugin plugin(argv[1]);
  t::Instance sink(plugin, host, "{}");
  if (!sink.ok() || sink.open() != SINKHUB_OK) return 1;
  t::Instance::Progress progress;
  const t::Outcome o = sink.run(t::DeliverySpec{}, {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"}, 2, progress);
  if (o.code != SINKHUB_OK || progress.accepted != 3 || progress.batch_index != 2) return 1;
  std::puts("ok: a unit test built with the installed sinkhub/test_host.hpp drove the C example");
  return 0;
}
CPP
"$cxx" -std=c++17 -Wall -Wextra -pedantic -Werror -I"$prefix/include" "$work/unit.cpp" -o "$work/unit" -ldl
"$work/unit" "$work/host-plugins/count_c.so" || fail "the unit test on the installed test host failed"

# A version this SDK does not satisfy must be refused.
mkdir -p "$work/v2"
cat > "$work/v2/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(v2 NONE)
find_package(sinkhub-sdk 2 QUIET)
if(sinkhub-sdk_FOUND)
  message(FATAL_ERROR "sinkhub-sdk 2 must not be satisfied by a 1.x SDK")
endif()
CM
"$cmake" -S "$work/v2" -B "$work/v2/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null

# pkg-config, without CMake.
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$pc")
  vs=$(pkg-config --variable=versionscript sinkhub-sdk)
  [[ -f "$vs" ]] || fail "pkg-config versionscript '$vs' does not exist"
  "$cc" -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC -fvisibility=hidden \
    $(pkg-config --cflags sinkhub-sdk) "$prefix/share/doc/sinkhub-dev/examples/c-minimal/count_c.c" \
    -Wl,--version-script="$vs" -Wl,--no-undefined -o "$work/count_c_pkgconfig.so"
  exports_only_entry "$work/count_c_pkgconfig.so"
  "$smoke" "$work/count_c_pkgconfig.so"
fi
# The daemon loads both examples, lists them and validates instances of them.
chmod 755 "$work/host-plugins"
cat > "$work/host.yaml" <<YAML
auth: {allow_unauthenticated: true}
ledger: {path: $work/var/sinkhub.db}
plugins: {dirs: [$work/host-plugins]}
sinks:
  c: {plugin: example.count-c}
  cpp: {plugin: example.count-cpp, min_items: 2, retry_in: 30s}
YAML
listing=$("$sinkhub" plugins --config "$work/host.yaml") || fail "sinkhub plugins refused an example: $listing"
# Built with the installed header, they speak its ABI version (1.1 since actor_name).
minor=$(sed -n 's/^#define SINKHUB_ABI_VERSION_MINOR \([0-9]*\)$/\1/p' "$prefix/include/sinkhub/sink.h")
[[ -n $minor ]] || fail "no SINKHUB_ABI_VERSION_MINOR in the installed header"
for id in example.count-c example.count-cpp; do
  grep -q "^$id  1.0.0  ABI 1.$minor  " <<<"$listing" || fail "sinkhub plugins does not list $id: $listing"
done
"$sinkhub" check-config --config "$work/host.yaml" || fail "check-config refused the example sinks"
# The C++ example's option table: its schema reached the host, its parser runs in create().
listing=$("$sinkhub" plugins --json --config "$work/host.yaml")
grep -q '"description": "How long that RETRY asks the host to wait' <<<"$listing" \
  || fail "sinkhub plugins --json does not show the example's option docs: $listing"
sed 's/retry_in: 30s/retry_in: soon/' "$work/host.yaml" > "$work/bad.yaml"
if out=$("$sinkhub" check-config --config "$work/bad.yaml" 2>&1); then fail "check-config accepted retry_in: soon"; fi
grep -q "option 'retry_in': must be a duration" <<<"$out" || fail "no clear error for retry_in: soon: $out"
# A YAML integer where the schema says string: the host refuses it before create().
sed 's/retry_in: 30s/retry_in: 30/' "$work/host.yaml" > "$work/bad.yaml"
if out=$("$sinkhub" check-config --config "$work/bad.yaml" 2>&1); then fail "check-config accepted retry_in: 30"; fi
grep -q "sinks.cpp.retry_in must be a string (got an integer '30'" <<<"$out" || fail "no clear error for retry_in: 30: $out"
echo "ok: sinkhub loads both examples"
echo "install test passed"
