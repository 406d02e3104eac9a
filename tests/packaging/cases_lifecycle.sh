# packaging.unit, packaging.upgrade, packaging.purge (sourced by root_cases.sh).

# Seconds of a systemd / sinkhub duration ("90s", "20s", "2min", "10000" ms with ms=1).
seconds_of() {
  case $1 in
    *ms) echo $(( ${1%ms} / 1000 )) ;;
    *min) echo $(( ${1%min} * 60 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
yaml_value() { sed -n "s/^  $1: *\([^ #]*\).*/\1/p" "$ROOT/etc/sinkhub/sinkhub.yaml"; }

case_unit() {
  ensure_installed "$DEBS"
  local out
  out=$(in_root systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify: $out"
  if grep -i "sinkhub" <<<"$out"; then fail "systemd-analyze verify complains: $out"; fi
  echo "ok: systemd-analyze verify accepts $UNIT"

  out=$(in_root systemd-analyze security --offline=true --threshold=25 "$UNIT" 2>&1) ||
    fail "systemd-analyze security: exposure above 2.5: $(tail -3 <<<"$out")"
  local line score
  line=$(grep "Overall exposure level for sinkhub.service" <<<"$out") || fail "no overall exposure: $out"
  score=$(sed 's/.*: \([0-9.]*\) .*/\1/' <<<"$line")
  awk -v s="$score" 'BEGIN {exit !(s <= 2.5)}' || fail "$line"
  grep -Eq ' (OK|SAFE) ' <<<"$line" || fail "$line"
  echo "ok: $line"

  for want in "Type=notify" "Restart=on-failure" "User=sinkhub" "StateDirectory=sinkhub" \
              "EnvironmentFile=/etc/sinkhub/sinkhub.env" "CapabilityBoundingSet=" "MemoryDenyWriteExecute=yes" \
              "ExecStartPre=/usr/bin/sinkhub check-config --config /etc/sinkhub/sinkhub.yaml" \
              "ExecReload=/bin/kill -HUP \$MAINPID"; do
    grep -qxF -- "$want" "$ROOT$UNIT" || fail "the unit lacks '$want'"
  done
  # SIGTERM: requests in flight get read_timeout + 2 s, then batches get shutdown_grace.
  local stop grace read
  stop=$(seconds_of "$(unit_value TimeoutStopSec)")
  grace=$(seconds_of "$(yaml_value shutdown_grace)") read=$(seconds_of "$(yaml_value read_timeout_ms)ms")
  ((stop > read + 2 + grace)) || fail "TimeoutStopSec=${stop}s is not above ${read}+2+${grace}s"
  echo "ok: TimeoutStopSec=${stop}s > read_timeout ${read}s + 2 s + shutdown_grace ${grace}s"
}

# From this version to the next one: the admin's edits and the ledger stay, and the new daemon
# runs on that ledger (the event recorded before is still known: its redelivery is a duplicate).
case_upgrade() {
  ensure_installed "$DEBS"
  configure_service
  local yaml=$ROOT/etc/sinkhub/sinkhub.yaml env=$ROOT/etc/sinkhub/sinkhub.env
  echo "# edited by the admin before the upgrade" >>"$yaml"
  start_fake_apify -- ds-upgrade:3
  start_daemon
  accept_new_run upgrade ds-upgrade actor-upgrade
  expect_delivered_file actor-upgrade "$RUN" 3
  stop_daemon
  local before
  before=$(cd "$ROOT" && sha256sum etc/sinkhub/sinkhub.yaml etc/sinkhub/sinkhub.env var/lib/sinkhub/sinkhub.db*
           stat -c '%n %u:%g %a' etc/sinkhub/sinkhub.env var/lib/sinkhub)

  local next out
  next=$(dpkg-deb -f "$NEXT"/sinkhub_*.deb Version)
  # No --force-conf*: a conffile prompt (stdin is /dev/null) would fail the upgrade.
  install_debs in_root "$NEXT" || fail "dpkg -i of $next failed: $(cat "$WORK/dpkg.log")"
  [[ $(installed_version sinkhub) == "ii $next" && $(installed_version sinkhub-dev) == "ii $next" ]] ||
    fail "not upgraded to $next: $(installed_version sinkhub)"
  local after
  after=$(cd "$ROOT" && sha256sum etc/sinkhub/sinkhub.yaml etc/sinkhub/sinkhub.env var/lib/sinkhub/sinkhub.db*
          stat -c '%n %u:%g %a' etc/sinkhub/sinkhub.env var/lib/sinkhub)
  [[ $after == "$before" ]] || fail "the upgrade changed config or ledger:
$(diff <(echo "$before") <(echo "$after"))"
  grep -q "edited by the admin" "$yaml" && grep -q "^SINKHUB_WEBHOOK_SECRET=\"$TEST_SECRET\"" "$env" ||
    fail "the admin's edits are gone"
  echo "ok: upgraded to $next; config (with the admin's edits), env file and ledger untouched"

  start_daemon
  local answer
  answer=$(post_webhook "$RUN" ds-upgrade actor-upgrade)
  [[ $answer == *'"status":"duplicate"'* ]] || fail "the event recorded before the upgrade is unknown: $answer"
  out=$(as_service /usr/bin/sinkhub events show "$RUN" --config /etc/sinkhub/sinkhub.yaml)
  grep -q "done" <<<"$out" || fail "events show after the upgrade: $out"
  stop_daemon
  kill "$FAKE_PID"
  echo "ok: the upgraded daemon runs on the kept ledger (the old event is a duplicate)"
}

# dpkg -r keeps what policy keeps (conffiles, data); dpkg -P removes everything the packages
# and the daemon made, except the system user and group (Debian keeps those).
case_purge() {
  ensure_installed "$DEBS" any
  if [[ ! -f $ROOT/var/lib/sinkhub/sinkhub.db ]]; then  # data to keep, then to purge
    configure_service
    start_daemon
    stop_daemon
  fi
  in_root dpkg -r sinkhub-dev sinkhub </dev/null >"$WORK/dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$WORK/dpkg.log")"
  [[ $(installed_version sinkhub) == rc* ]] || fail "sinkhub after dpkg -r: $(installed_version sinkhub)"
  local gone kept
  for gone in /usr/bin/sinkhub /usr/lib/sinkhub /lib/systemd/system/sinkhub.service /usr/include/sinkhub \
              /usr/share/doc/sinkhub /usr/share/doc/sinkhub-dev /usr/share/man/man1/sinkhub.1.gz; do
    [[ ! -e $ROOT$gone && ! -L $ROOT$gone ]] || fail "$gone is still there after dpkg -r"
  done
  # Configuration stays: conffiles, the enablement (as dh_installsystemd leaves it: the unit
  # is masked until a purge or a reinstall), and the data.
  for kept in /etc/sinkhub/sinkhub.yaml /etc/sinkhub/sinkhub.env /var/lib/sinkhub/sinkhub.db \
              /etc/systemd/system/multi-user.target.wants/sinkhub.service; do
    [[ -e $ROOT$kept || -L $ROOT$kept ]] || fail "$kept is gone after dpkg -r (only purge removes it)"
  done
  [[ $(readlink "$ROOT/etc/systemd/system/sinkhub.service") == /dev/null ]] || fail "dpkg -r did not mask the unit"
  echo "ok: dpkg -r removed the programs, kept conffiles, enablement and the ledger, masked the unit"

  # sinkhub-dev has no conffiles: dpkg -r removed it whole, and says so here.
  in_root dpkg -P sinkhub-dev sinkhub </dev/null >"$WORK/dpkg.log" 2>&1 || fail "dpkg -P: $(cat "$WORK/dpkg.log")"
  [[ -z $(installed_version sinkhub) || $(installed_version sinkhub) == un* ]] || fail "sinkhub after dpkg -P: $(installed_version sinkhub)"
  in_root getent passwd sinkhub >/dev/null || fail "the sinkhub user was removed (Debian keeps system users)"
  local now added removed
  now=$(cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run -o -path ./var/log \
         -o -path ./var/cache -o -path ./var/lib/dpkg -o -path ./var/lib/apt \) -prune -o -print | sort)
  # What may differ: the user and group, in passwd & co. and adduser's backups of them, and the
  # state directories deb-systemd-helper keeps for every package (emptied of sinkhub's entries).
  added=$(comm -13 "$WORK/root-before.txt" <(echo "$now") |
          grep -vxE '\./etc/(passwd|group|shadow|gshadow)-|\./var/lib/systemd/deb-systemd-helper-(enabled|masked)' || true)
  removed=$(comm -23 "$WORK/root-before.txt" <(echo "$now"))
  [[ -z $added && -z $removed ]] || fail "dpkg -P left the root changed:
added: $added
removed: $removed"
  local tracked
  tracked=$(find "$ROOT/var/lib/systemd" -name '*sinkhub*' 2>/dev/null)
  [[ -z $tracked ]] || fail "deb-systemd-helper still tracks sinkhub: $tracked"
  echo "ok: dpkg -P left nothing behind but the sinkhub user and group"
}
