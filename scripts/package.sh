#!/usr/bin/env bash
# Builds the Debian packages with CPack (packaging/CMakeLists.txt):
#   sinkhub_<version>_amd64.deb      the daemon, the sink plugins, config, systemd unit, docs
#   sinkhub-dev_<version>_amd64.deb  the plugin SDK
#
#   scripts/package.sh                  configure (preset `package`, build-pkg/), build, package
#                                       into build-pkg/packages/
#   scripts/package.sh --build-dir DIR  package a tree already configured with
#                                       CMAKE_INSTALL_PREFIX=/usr (e.g. build-ci)
#   --out DIR                           where the .deb files go (default: BUILD_DIR/packages)
#   --version V                         package version (default: the project's; the upgrade
#                                       test builds a next one this way)
# Prints the paths of the two packages.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="" out="" version=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --version) version=${2:?--version needs a version}; shift 2 ;;
    *) echo "usage: scripts/package.sh [--build-dir DIR] [--out DIR] [--version V]" >&2; exit 2 ;;
  esac
done

if [[ -z $build_dir ]]; then
  scripts/install-deps.sh
  cmake --preset package >&2
  build_dir=build-pkg
fi
build_dir=$(cd "$build_dir" && pwd)
[[ -f $build_dir/CPackConfig.cmake ]] || { echo "package.sh: $build_dir is not a configured build tree" >&2; exit 1; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build_dir/CMakeCache.txt")
if [[ $prefix != /usr ]]; then
  echo "package.sh: $build_dir is configured with CMAKE_INSTALL_PREFIX=$prefix; Debian packages need /usr" >&2
  exit 1
fi
cmake --build "$build_dir" --target runtime -j"$(nproc)" >&2

out=${out:-$build_dir/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
args=(--config "$build_dir/CPackConfig.cmake" -B "$out")
[[ -n $version ]] && args+=(-D "CPACK_PACKAGE_VERSION=$version")
cpack "${args[@]}" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"

version=${version:-$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")}
arch=$(dpkg --print-architecture)
for pkg in sinkhub sinkhub-dev; do
  deb="$out/${pkg}_${version}_${arch}.deb"
  [[ -f $deb ]] || { echo "package.sh: CPack did not make $deb" >&2; cat "$out/cpack.log" >&2; exit 1; }
  echo "$deb"
done
