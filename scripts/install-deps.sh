#!/usr/bin/env bash
# Installs the Debian 12 packages sinkhub needs to build, test and benchmark.
# Idempotent: quiet and offline when everything is already present.
#   scripts/install-deps.sh            what building and running sinkhub needs
#   scripts/install-deps.sh --test     also node/npm and s3rver (npm) for the test suite, clang
#                                      and libFuzzer for tests/fuzz, the PostgreSQL server the
#                                      ledger tests start themselves, and
#                                      what tests/packaging needs (debootstrap, lintian,
#                                      systemd-analyze, systemd-nspawn, ip, socat, dnsmasq)
#   scripts/install-deps.sh --bench    the --test set, plus wrk and nginx for bench/
set -euo pipefail

pkgs=(cmake g++ make pkg-config
      libpoco-dev libsqlite3-dev libpq-dev libspdlog-dev libfmt-dev libyaml-cpp-dev zlib1g-dev
      libboost-dev libgtest-dev libgmock-dev
      sqlite3 curl ca-certificates libssl-dev
      dpkg-dev file)  # scripts/package.sh: CPack's dpkg-shlibdeps
mode="${1:-}"
case "$mode" in
  "" | --test | --bench) ;;
  *) echo "usage: scripts/install-deps.sh [--test | --bench]" >&2; exit 2 ;;
esac
if [[ -n "$mode" ]]; then
  # node/npm run s3rver (tests/s3) and the bench baselines: any working install will do
  # (images often ship a newer one than Debian's).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
  pkgs+=(python3)  # scripts/code-shape.sh (its self-test is part of the suite)
  pkgs+=(clang libclang-rt-14-dev)  # tests/fuzz: libFuzzer (fuzz.build, fuzz.*.run, bench/fuzz.sh)
  # The PostgreSQL ledger's tests run initdb + pg_ctl themselves (tests/support/postgres.hpp);
  # Debian's package only installs the server binaries (no cluster is used). util-linux's
  # runuser starts them as an unprivileged user when the tests run as root.
  pkgs+=(postgresql util-linux)
fi
# tests/packaging: a Debian root to install the packages into, lintian, and systemd's tools
# (systemd-analyze verify/security; systemd-nspawn boots the root with systemd as PID 1);
# a DNS server and a TLS terminator put the fake Apify API behind a name and HTTPS there.
[[ -n "$mode" ]] && pkgs+=(debootstrap lintian systemd systemd-container iproute2 xz-utils
                           openssl socat dnsmasq-base)
[[ "$mode" == "--bench" ]] && pkgs+=(wrk nginx-light procps)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[[ -z "$mode" ]] && exit 0
# s3rver (pinned by its package-lock.json), the S3 test double of tests/s3 and bench/e2e.
s3rver_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/s3/s3rver"
if [[ ! -x "$s3rver_dir/node_modules/.bin/s3rver" ]]; then
  echo "install-deps: npm ci in $s3rver_dir" >&2
  (cd "$s3rver_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
