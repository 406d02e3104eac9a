#!/usr/bin/env bash
# packaging.lintian: Debian's package checker finds no error and no warning in either package
# (overrides, each with its reason, are shipped from packaging/lintian/).
source "$(dirname "$0")/lib.sh"
command -v lintian >/dev/null || fail "lintian missing: scripts/install-deps.sh --test"
debs=("$DEBS"/sinkhub_*.deb "$DEBS"/sinkhub-dev_*.deb)
[[ -f ${debs[0]} && -f ${debs[1]} ]] || fail "no packages in $DEBS (packaging.build makes them)"
# --fail-on: exit non-zero on any error or warning that is not overridden.
if ! out=$(lintian --fail-on error,warning --display-level '>=warning' "${debs[@]}" 2>&1); then
  echo "$out"
  fail "lintian reports errors or warnings"
fi
echo "$out" | grep -v 'running with root privileges' || true
echo "packaging.lintian: passed (no error, no warning)"
