# tests/packaging/lib.sh: what the packaging tests share (sourced). The environment comes from
# tests/packaging/CMakeLists.txt.
set -euo pipefail

SRC=${SINKHUB_SOURCE_DIR:?} BUILD=${SINKHUB_BUILD_DIR:?}
WORK=${SINKHUB_PKG_WORK:?} CACHE=${SINKHUB_PKG_CACHE:?}
ROOT=$WORK/root          # the clean Debian root the cases share (root_setup.sh makes it)
DEBS=$WORK/debs          # this version's two packages (build_test.sh)
NEXT=$WORK/debs-next     # the same tree packaged as the next version, for the upgrade
UNIT=/lib/systemd/system/sinkhub.service
FAKE_APIFY_PORT=18080    # inside a private network namespace: no other listener can be there
TEST_SECRET=packaging-test-secret-0123456789
TEST_TOKEN=apify_api_packaging_test

say() { echo "packaging: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

require_root() { [[ $(id -u) -eq 0 ]] || skip "needs root (dpkg into a chroot, namespaces)"; }

# Re-runs the calling script in new PID and mount namespaces, and a network namespace of its
# own with only loopback unless the first argument is --with-network. When the script ends,
# however it ends, the kernel kills every process it started (the PID namespace dies with its
# first process) and drops every mount it made: nothing can be left behind.
isolate() {
  local net=--net
  [[ ${1:-} == --with-network ]] && { net=""; shift; }
  if [[ -z ${SINKHUB_PKG_ISOLATED:-} ]]; then
    export SINKHUB_PKG_ISOLATED=1
    exec unshare --pid --mount --fork --kill-child --mount-proc $net -- bash "$0" "$@"
  fi
  [[ -n $net ]] && ip link set lo up
  return 0
}

# Mounts /proc in the root (private to this mount namespace, gone when the test ends).
mount_root_proc() { mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"; }

in_root() { chroot "$ROOT" "$@"; }

# Bounded wait: wait_until SECONDS COMMAND... (polls every 0.2 s).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# A key of the installed unit (every value, one a line, for keys given several times).
unit_value() { sed -n "s/^$1=//p" "$ROOT$UNIT"; }

# The NAME=value assignments of a systemd EnvironmentFile, one a line: comments and blank lines
# skipped, one level of surrounding quotes removed (what systemd does for simple files).
env_file_vars() {
  sed -n -e '/^[[:space:]]*#/d' -e 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' "$1" |
    sed -e "s/^\([^=]*\)=\"\(.*\)\"$/\1=\2/" -e "s/^\([^=]*\)='\(.*\)'$/\1=\2/"
}

# A command in the root the way the unit runs the daemon: as its User and Group, in its
# WorkingDirectory, with only the variables systemd sets for it and those of its
# EnvironmentFile (plus any NAME=value given before --). service_command puts it in
# SERVICE_COMMAND (to start in the background: its PID is then the daemon's); as_service runs it.
#   service_command [NAME=value... --] COMMAND...
service_command() {
  local extra=() vars=() user group dir
  if [[ " $* " == *" -- "* ]]; then
    while [[ $1 != -- ]]; do extra+=("$1"); shift; done
    shift
  fi
  user=$(unit_value User) group=$(unit_value Group) dir=$(unit_value WorkingDirectory)
  mapfile -t vars < <(env_file_vars "$ROOT$(unit_value EnvironmentFile)")
  SERVICE_COMMAND=(chroot "$ROOT" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME="$dir" USER="$user" LOGNAME="$user" "${vars[@]}" "${extra[@]}"
    setpriv --reuid="$user" --regid="$group" --init-groups
    sh -c 'cd "$1" && shift && exec "$@"' sh "$dir" "$@")
}
as_service() {
  service_command "$@"
  "${SERVICE_COMMAND[@]}"
}

installed_version() { in_root dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null || true; }

# Both packages of DIR installed and configured (dpkg -i, unless they already are; with
# "any", a version already installed will do).
ensure_installed() {
  local dir=$1 want
  want=$(dpkg-deb -f "$dir"/sinkhub_*.deb Version)
  [[ $(installed_version sinkhub) == "ii ${want}" && $(installed_version sinkhub-dev) == "ii ${want}" ]] && return 0
  [[ ${2:-} == any && $(installed_version sinkhub) == ii* && $(installed_version sinkhub-dev) == ii* ]] && return 0
  install_debs in_root "$dir" || fail "dpkg -i: $(cat "$WORK/dpkg.log")"
}

# dpkg -i of DIR's two packages, run by RUNNER (in_root; in_box for the booted root), with
# dpkg's output in $WORK/dpkg.log. (Not through /tmp: the booted root mounts a tmpfs there.)
install_debs() {  # install_debs RUNNER DIR
  local drop=/var/tmp/sinkhub-test-debs rc=0
  rm -rf "${ROOT:?}$drop" && mkdir -p "$ROOT$drop" && cp "$2"/*.deb "$ROOT$drop/"
  "$1" sh -c "dpkg -i $drop/sinkhub_*.deb $drop/sinkhub-dev_*.deb" </dev/null >"$WORK/dpkg.log" 2>&1 || rc=$?
  rm -rf "${ROOT:?}$drop"
  return $rc
}

# What an admin does before the first start: the secrets in the env file. The config's Apify
# API goes to the fake one on loopback.
configure_service() {
  local env=$ROOT/etc/sinkhub/sinkhub.env yaml=$ROOT/etc/sinkhub/sinkhub.yaml
  sed -i -e "s|^SINKHUB_WEBHOOK_SECRET=.*|SINKHUB_WEBHOOK_SECRET=\"$TEST_SECRET\"|" \
         -e "s|^APIFY_TOKEN=.*|APIFY_TOKEN=$TEST_TOKEN|" "$env"
  sed -i "s|^\(  base_url: \).*|\1\"http://127.0.0.1:$FAKE_APIFY_PORT\"|" "$yaml"
  grep -q "127.0.0.1:$FAKE_APIFY_PORT" "$yaml" || fail "apify.base_url not found in $yaml"
}

# The fake Apify API (tests/fake_apify) on loopback, serving datasets of the given sizes:
#   start_fake_apify [NSENTER_ARGS...] -- DATASET_ID:COUNT...   (sets FAKE_PID)
start_fake_apify() {
  local prefix=() args=() log=$WORK/fake_apify.log
  while [[ $1 != -- ]]; do prefix+=("$1"); shift; done
  shift
  for d in "$@"; do args+=(--dataset "$d"); done
  : >"$log"
  "${prefix[@]}" "$SINKHUB_FAKE_APIFY" --port "$FAKE_APIFY_PORT" --token "$TEST_TOKEN" "${args[@]}" >"$log" 2>&1 &
  FAKE_PID=$!
  wait_until 20 grep -q "^listening on" "$log" || fail "fake_apify did not start: $(cat "$log")"
}

# The installed daemon as the unit starts it: ExecStartPre, then ExecStart in the background
# (sets DAEMON_PID; its stderr goes to $WORK/daemon.log).
start_daemon() {
  local pre
  pre=$(unit_value ExecStartPre)
  # shellcheck disable=SC2086 # the unit's command lines are plain words
  as_service $pre >"$WORK/check-config.log" 2>&1 || fail "ExecStartPre ($pre) refused: $(cat "$WORK/check-config.log")"
  # shellcheck disable=SC2086
  service_command $(unit_value ExecStart)
  "${SERVICE_COMMAND[@]}" 2>"$WORK/daemon.log" &  # chroot, env, setpriv, sh: each execs the next
  DAEMON_PID=$!
  wait_until 30 healthy || fail "the daemon did not answer /healthz: $(cat "$WORK/daemon.log")"
}
healthy() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8787/healthz) == 200 ]]; }

# SIGTERM, as systemctl stop sends it; the daemon must exit 0 within the unit's TimeoutStopSec.
stop_daemon() {
  local limit rc=0
  limit=$(unit_value TimeoutStopSec)
  kill -TERM "$DAEMON_PID"
  wait_until "${limit%s}" exited "$DAEMON_PID" || fail "the daemon outlived TimeoutStopSec"
  wait "$DAEMON_PID" || rc=$?
  ((rc == 0)) || fail "the daemon exited $rc on SIGTERM: $(tail -20 "$WORK/daemon.log")"
  grep -q "stopped cleanly" "$WORK/daemon.log" || fail "no 'stopped cleanly' in the daemon's log"
}

# A child process has exited (a zombie counts: it is reaped by `wait`).
exited() {
  local state
  state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
  [[ $state == Z ]]
}

# A run id no earlier test used (the ledger outlives a case; $$ is 1 in our PID namespace).
new_run_id() { echo "run-$1-$(date +%s%N)"; }

# The webhook of a new run, which must be accepted; sets RUN.
#   accept_new_run NAME DATASET_ID ACTOR_ID [CURL_PREFIX...]
accept_new_run() {
  local name=$1 answer
  shift
  RUN=$(new_run_id "$name")
  answer=$(post_webhook "$RUN" "$@")
  [[ $answer == *'"status":"accepted"'* ]] || fail "webhook answered: $answer"
}

# POSTs an Apify webhook (compact payload) with the test secret; prints the answer's body.
#   post_webhook RUN_ID DATASET_ID ACTOR_ID [CURL_PREFIX...]
post_webhook() {
  local run=$1 dataset=$2 actor=$3
  shift 3
  "$@" curl -s --max-time 10 http://127.0.0.1:8787/apify-webhook \
    -H 'Content-Type: application/json' -H "X-Webhook-Secret: $TEST_SECRET" \
    -d "{\"runId\":\"$run\",\"datasetId\":\"$dataset\",\"actorId\":\"$actor\",\"status\":\"SUCCEEDED\",\"finishedAt\":\"2026-12-01T10:00:00.000Z\"}"
}

# The file sink's output for a run has COUNT lines (waits up to 60 s for the delivery).
expect_delivered_file() {
  local file=$ROOT/var/lib/sinkhub/out/$1/$2.jsonl count=$3 owner
  wait_until 60 test -f "$file" || fail "nothing delivered to $file; daemon log: $(tail -20 "$WORK/daemon.log" 2>/dev/null)"
  [[ $(wc -l <"$file") -eq $count ]] || fail "$file has $(wc -l <"$file") lines, want $count"
  owner=$(in_root stat -c %U "${file#"$ROOT"}")
  [[ $owner == sinkhub ]] || fail "$file is owned by $owner, not sinkhub"
}
