# packaging.systemd (sourced by root_cases.sh): the root booted with systemd as PID 1
# (systemd-nspawn, private network), the packages installed there, and the unit used for real:
# not started without a secret, Type=notify readiness, the sandbox in force while plugins load
# and deliver, reload, upgrade while running, stop, purge.

# Runs a command inside the booted container (all its namespaces).
in_box() { nsenter --target "$BOX_PID" --all "$@"; }
unit_prop() { in_box systemctl show sinkhub.service -p "$1" --value; }
unit_active() { [[ $(unit_prop ActiveState) == active ]]; }
# The unit's journal has TEXT at least N times (default 1). journald takes the daemon's stderr
# asynchronously: waits up to 10 s.
journal_shows() { wait_until 10 journal_has "$1" "${2:-1}"; }
journal_has() { (($(journal_count "$1") >= $2)); }
journal_count() { in_box journalctl -u sinkhub.service --no-pager | grep -cF -- "$1" || true; }

boot_root() {
  command -v systemd-nspawn >/dev/null || fail "systemd-nspawn missing: scripts/install-deps.sh --test"
  umount "$ROOT/proc"  # nspawn mounts its own
  systemd-nspawn --directory="$ROOT" --boot --private-network --register=no --keep-unit --console=passive \
    --machine="sinkhub-test-$$" >"$WORK/nspawn.log" 2>&1 &
  NSPAWN_PID=$!
  # The container's PID 1 is the systemd process below nspawn.
  wait_until 30 find_box_init || fail "the container did not start: $(tail -20 "$WORK/nspawn.log")"
  local state
  wait_until 90 booted || fail "the container did not finish booting ($(in_box systemctl is-system-running 2>&1))"
  state=$(in_box systemctl is-system-running 2>&1 || true)
  echo "ok: booted the root with systemd ($state)"
}
find_box_init() {
  local p
  for p in $(pgrep -P "$NSPAWN_PID" 2>/dev/null) $(pgrep -P "$(pgrep -P "$NSPAWN_PID" | head -1)" 2>/dev/null); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd ]] && { BOX_PID=$p; return 0; }
  done
  return 1
}
booted() {
  local s
  s=$(in_box systemctl is-system-running 2>/dev/null || true)
  [[ $s == running || $s == degraded ]]
}
# The Apify API as a remote host, for the sandboxed daemon: https://api.apify.test, a name
# a DNS server (dnsmasq, UDP on the container's loopback) resolves, served over TLS (socat in
# front of the fake API) with a certificate from a test CA that the root trusts. So the
# delivery proves DNS and verified TLS work inside the sandbox.
serve_apify_remotely() {
  local pki=$WORK/pki net=(nsenter --target "$BOX_PID" --net)
  rm -rf "$pki" && mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sinkhub packaging test CA" \
      -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=api.apify.test" -keyout server.key -out server.csr
    printf 'subjectAltName=DNS:api.apify.test\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.crt
    cat server.crt server.key >server.pem
  ) >"$WORK/pki.log" 2>&1 || fail "making the test certificates: $(cat "$WORK/pki.log")"
  cp "$pki/ca.crt" "$ROOT/usr/local/share/ca-certificates/sinkhub-packaging-test.crt"
  in_box update-ca-certificates >/dev/null 2>&1 || fail "update-ca-certificates in the container failed"
  rm -f "$ROOT/etc/resolv.conf" && echo "nameserver 127.0.0.1" >"$ROOT/etc/resolv.conf"
  "${net[@]}" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
    --port=53 --address=/api.apify.test/127.0.0.1 --user=root --pid-file= >"$WORK/dnsmasq.log" 2>&1 &
  "${net[@]}" socat OPENSSL-LISTEN:443,reuseaddr,fork,cert="$pki/server.pem",verify=0 \
    "TCP:127.0.0.1:$FAKE_APIFY_PORT" >"$WORK/socat.log" 2>&1 &
  sed -i 's|^\(  base_url: \).*|\1"https://api.apify.test"|' "$ROOT/etc/sinkhub/sinkhub.yaml"
  # The same name and certificate, checked from the container's side before the daemon uses it.
  wait_until 10 in_box getent hosts api.apify.test >/dev/null || fail "api.apify.test does not resolve: $(cat "$WORK/dnsmasq.log")"
}

shutdown_root() {
  in_box systemctl poweroff >/dev/null 2>&1 || true
  wait_until 60 exited "$NSPAWN_PID" || { kill -KILL "$NSPAWN_PID"; fail "the container did not power off"; }
  wait "$NSPAWN_PID" || true
}

case_systemd() {
  if [[ -n $(installed_version sinkhub) && $(installed_version sinkhub) != un* ]]; then
    in_root dpkg -P sinkhub-dev sinkhub >/dev/null  # installed with systemd running, below
  fi
  boot_root
  trap shutdown_root EXIT

  # Installed while systemd runs: enabled, but not started while the env file has no secret.
  local out
  install_debs in_box "$DEBS" || fail "dpkg -i in the container: $(cat "$WORK/dpkg.log")"
  [[ $(in_box systemctl is-enabled sinkhub.service) == enabled ]] || fail "not enabled after install"
  [[ $(unit_prop ActiveState) == inactive ]] || fail "started without a secret: $(unit_prop ActiveState)"
  echo "ok: installed under systemd: enabled, not started (no secret yet)"

  # The admin sets the secrets and starts it: active only once READY=1 came (Type=notify).
  configure_service
  start_fake_apify nsenter --target "$BOX_PID" --net -- ds-box:40
  serve_apify_remotely
  in_box systemctl start sinkhub.service || fail "systemctl start failed: $(in_box journalctl -u sinkhub --no-pager | tail -20)"
  [[ $(unit_prop ActiveState) == active && $(unit_prop StatusText) == "listening on 127.0.0.1:8787" ]] ||
    fail "after start: $(unit_prop ActiveState), status '$(unit_prop StatusText)'"
  local pid
  pid=$(unit_prop MainPID)
  echo "ok: systemctl start: active after READY=1 (status: $(unit_prop StatusText))"

  # The sandbox is in force: no new privileges, no capabilities, a seccomp filter, and the
  # plugins still load and deliver, TLS libraries and all.
  local status
  status=$(in_box cat "/proc/$pid/status")
  grep -q "^NoNewPrivs:[[:space:]]*1$" <<<"$status" && grep -q "^CapEff:[[:space:]]*0*$" <<<"$status" &&
    grep -q "^Seccomp:[[:space:]]*2$" <<<"$status" || fail "the daemon runs without its sandbox: $status"
  [[ $(in_box stat -c %U "/proc/$pid") == sinkhub ]] || fail "the daemon does not run as sinkhub"
  accept_new_run box ds-box actor-box nsenter --target "$BOX_PID" --net
  in_box journalctl -u sinkhub --no-pager >"$WORK/daemon.log" 2>&1 || true  # for a failure message
  expect_delivered_file actor-box "$RUN" 40
  journal_shows "done, 40 items" || fail "no delivery in the journal"
  echo "ok: sandboxed (NoNewPrivs, no capabilities, seccomp) and delivering through the installed plugins," \
       "from https://api.apify.test (DNS over UDP, TLS verified against the system CAs)"

  # Reload: check-config first, then SIGHUP; the daemon reloads in place (same process).
  in_box systemctl reload sinkhub.service || fail "systemctl reload failed"
  journal_shows "reload applied: nothing changed" || fail "no reload line in the journal"
  # The daemon reports RELOADING=1, then READY=1 (the unit is "reloading" in between).
  wait_until 10 unit_active || fail "the unit is $(unit_prop ActiveState) after the reload"
  [[ $(unit_prop MainPID) == "$pid" ]] || fail "reload replaced the daemon"
  local yaml=$ROOT/etc/sinkhub/sinkhub.yaml
  cp "$yaml" "$WORK/sinkhub.yaml.good"
  echo "no_such_key: 1" >>"$yaml"
  if in_box systemctl reload sinkhub.service 2>/dev/null; then fail "reload accepted a broken config"; fi
  journal_shows "no_such_key" || fail "the journal does not name the bad key"
  [[ $(unit_prop MainPID) == "$pid" && $(unit_prop ActiveState) == active ]] || fail "a refused reload disturbed the daemon"
  cp "$WORK/sinkhub.yaml.good" "$yaml"
  echo "ok: systemctl reload checks the config first (a broken one fails the reload), then reloads in place"

  # Upgrade while it runs: postinst restarts it on the new version, same ledger.
  install_debs in_box "$NEXT" || fail "upgrade in the container: $(cat "$WORK/dpkg.log")"
  [[ $(unit_prop ActiveState) == active && $(unit_prop MainPID) != "$pid" ]] || fail "not restarted by the upgrade"
  local answer
  answer=$(post_webhook "$RUN" ds-box actor-box nsenter --target "$BOX_PID" --net)
  [[ $answer == *'"status":"duplicate"'* ]] || fail "after the upgrade the event is unknown: $answer"
  echo "ok: upgraded while running: restarted on $(dpkg-deb -f "$NEXT"/sinkhub_*.deb Version), ledger kept"

  local stops
  stops=$(journal_count "stopped cleanly")  # the upgrade's restart stopped one daemon already
  in_box systemctl stop sinkhub.service
  [[ $(unit_prop Result) == success ]] || fail "stop: result $(unit_prop Result)"
  journal_shows "stopped cleanly" $((stops + 1)) || fail "no 'stopped cleanly' in the journal"
  [[ $(unit_prop NRestarts) == 0 ]] || fail "the service restarted $(unit_prop NRestarts) times"
  echo "ok: systemctl stop: clean exit"

  in_box systemctl start sinkhub.service
  out=$(in_box dpkg -P sinkhub-dev sinkhub </dev/null 2>&1) || fail "dpkg -P in the container: $out"
  [[ $(unit_prop ActiveState) != active ]] || fail "still running after dpkg -P"
  [[ ! -e $ROOT/var/lib/sinkhub && ! -e $ROOT/etc/sinkhub ]] || fail "dpkg -P left /var/lib/sinkhub or /etc/sinkhub"
  kill "$FAKE_PID"
  echo "ok: dpkg -P stopped the service and removed its data"
  trap - EXIT
  shutdown_root
}
