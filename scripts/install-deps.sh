#!/usr/bin/env bash
# Installs the Debian 12 packages sinkhub needs to build, test and benchmark.
# Idempotent: quiet and offline when everything is already present.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --bench    also wrk, nginx and node/npm for bench/
set -euo pipefail

pkgs=(cmake g++ make pkg-config
      libpoco-dev libsqlite3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev zlib1g-dev
      libboost-dev libgtest-dev libgmock-dev
      sqlite3 curl ca-certificates)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(wrk nginx-light procps)
  # node/npm: any working install will do (images often ship a newer one than Debian's).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
