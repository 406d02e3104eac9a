#!/usr/bin/env bash
# The packages used in the clean root (packaging.root), one case per ctest test:
#   root_cases.sh install|serve|sdk|unit|upgrade|purge|systemd
# Each case establishes what it needs (installs the packages if they are not), so any one can
# run alone after packaging.root.
source "$(dirname "$0")/lib.sh"
require_root
case=${1:?usage: root_cases.sh CASE}
[[ -f $ROOT/.complete ]] || fail "no root at $ROOT (packaging.root makes it)"
isolate "$@"
mount_root_proc
source "$(dirname "$0")/cases_install.sh"
source "$(dirname "$0")/cases_service.sh"
source "$(dirname "$0")/cases_lifecycle.sh"
source "$(dirname "$0")/cases_systemd.sh"

case $case in
  install) case_install ;;
  serve) case_serve ;;
  sdk) case_sdk ;;
  unit) case_unit ;;
  upgrade) case_upgrade ;;
  purge) case_purge ;;
  systemd) case_systemd ;;
  *) fail "unknown case '$case'" ;;
esac
echo "packaging.$case: passed"
