#!/usr/bin/env bash
# Quick start: install missing Debian packages, build, and run sinkhub in the foreground on
# the shipped default config (config/sinkhub.yaml). Extra arguments go to `sinkhub serve`.
#   SINKHUB_WEBHOOK_SECRET=... APIFY_TOKEN=... scripts/run.sh [--log-format json]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target runtime -j"$(nproc)"
mkdir -p var
exec build/sinkhub serve --config "${SINKHUB_CONFIG:-config/sinkhub.yaml}" "$@"
