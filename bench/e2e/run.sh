#!/usr/bin/env bash
# bench/e2e/run.sh - end-to-end benchmark: webhook in, the run's dataset streamed from the
# Apify API, items in a file. Measured in ONE invocation, against ONE fake Apify API
# (build/fake_apify, a generated dataset of DATASET items of ~ITEM_BYTES bytes):
#   1. sinkhub serve + the file sink: webhook POST -> delivery done (the file complete and
#      renamed into place); items/s; sinkhub's peak RSS (VmHWM from /proc/PID/status);
#   2. the baseline of Apify's guide (baseline/server.js): on the webhook, apify-client's
#      dataset(id).listItems() then one JSON file with every item; wall time and node's peak RSS;
#   3. the transfer ceiling: curl fetching the same pages (offset/limit PAGE_SIZE, format=jsonl)
#      one after the other on one keep-alive connection, into one file;
#   4. sinkhub's peak RSS for SMALL items (default DATASET/10) next to DATASET items;
#   5. sinkhub serve + the s3 sink into s3rver (npm, tests/s3/s3rver, on 127.0.0.1): webhook POST
#      -> delivery done (object complete); items/s and peak RSS beside the file sink's row.
# Every output is checked: line count, byte size and sha256 against the curl output.
# Each row runs RUNS times (fresh process, fresh ledger each time); the table shows medians.
#
# Usage (from anywhere; needs a built tree: cmake --preset default && cmake --build build -j2):
#   bench/e2e/run.sh                              # 1 000 000 items; replaces the e2e section of bench/RESULTS.md
#   DATASET=20000 RUNS=1 RESULTS=- bench/e2e/run.sh   # quick trial, records nothing
# Environment:
#   DATASET      items in the dataset (default 1000000)
#   SMALL        items of the second sinkhub run, for the RSS comparison (default DATASET/10)
#   ITEM_BYTES   approximate size of one item (default 200)
#   PAGE_SIZE    apify.page_size of sinkhub and the curl page size (default 1000)
#   RUNS         repetitions of every row; medians are reported (default 3)
#   BASELINE     1 (default): run the Node baseline; 0: skip it
#   S3           1 (default): also the s3 sink row (s3rver, part_size S3_PART_SIZE, default 8MiB);
#                0: skip. Its peak RSS target: under 64 MiB plus one part.
#   EXTRA        1 (default): also informative sinkhub rows that show where the time goes (not
#                held against the targets): ledger.synchronous=normal (no fsync per progress
#                commit), apify.page_size=10x PAGE_SIZE (10x fewer batches), and no fsync at all
#                (an LD_PRELOAD shim built with cc that turns fsync/fdatasync into no-ops); 0: skip
#   RUN_TIMEOUT  seconds one measured run may take before it counts as failed (default 900)
#   WAIT_IDLE    before each run, wait up to this many seconds for the machine to be idle
#                (under 15% busy over 2 s); default 120; the value found is recorded either way
#   SINKHUB_BIN, FAKE_APIFY_BIN, FILE_PLUGIN, S3_PLUGIN   binaries (default build/sinkhub,
#                build/fake_apify, build/plugins/file.so, build/plugins/s3.so); copied before use,
#                so a rebuild meanwhile changes nothing
#   SINKHUB_EXTRA_YAML  YAML appended to sinkhub's generated config (experiments, e.g. a
#                "delivery:" block); recorded in the results when set
#   RESULTS      file whose e2e section is replaced (default <repo>/bench/RESULTS.md); "-": none
#   STRICT       1: exit 4 when a target is missed (default 0: report only)
#   KEEP         1: keep the temp dir (configs, ledgers, logs; big outputs are always removed)
# Exit status: 0 done; 1 setup problem or a run failed/timed out; 3 an output check failed;
# 4 STRICT and a target missed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"

DATASET=${DATASET:-1000000}
ITEM_BYTES=${ITEM_BYTES:-200}
PAGE_SIZE=${PAGE_SIZE:-1000}
RUNS=${RUNS:-3}
BASELINE=${BASELINE:-1}
EXTRA=${EXTRA:-1}
S3=${S3:-1}
S3_PART_SIZE=${S3_PART_SIZE:-8MiB}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
WAIT_IDLE=${WAIT_IDLE:-120}
STRICT=${STRICT:-0}
KEEP=${KEEP:-0}
RESULTS=${RESULTS:-$root/bench/RESULTS.md}
SINKHUB_EXTRA_YAML=${SINKHUB_EXTRA_YAML:-}
TOKEN=bench-token-e2e
SECRET=bench-secret-0123456789abcdef012   # 32 characters
SECTION_TITLE="## End-to-end: webhook → file sink"
BEGIN_MARK="<!-- bench/e2e: begin (this section is replaced by bench/e2e/run.sh) -->"
END_MARK="<!-- bench/e2e: end -->"

is_uint() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

is_uint "$DATASET" || die "DATASET must be a positive integer, got '$DATASET'"
SMALL=${SMALL:-$((DATASET / 10))}
is_uint "$SMALL" || die "SMALL must be a positive integer, got '$SMALL'"
[[ "$SMALL" -le "$DATASET" ]] || die "SMALL ($SMALL) must not exceed DATASET ($DATASET)"
is_uint "$ITEM_BYTES" || die "ITEM_BYTES must be a positive integer"
is_uint "$PAGE_SIZE" && [[ "$PAGE_SIZE" -le 100000 ]] || die "PAGE_SIZE must be 1..100000"
is_uint "$RUNS" && [[ "$RUNS" -le 9 ]] || die "RUNS must be 1..9"
is_uint "$RUN_TIMEOUT" || die "RUN_TIMEOUT must be a positive number of seconds"
[[ "$WAIT_IDLE" =~ ^[0-9]+$ && "$WAIT_IDLE" -le 3600 ]] || die "WAIT_IDLE must be 0..3600 seconds"

# ---------------------------------------------------------------- prerequisites
for tool in curl sha256sum awk node npm; do
  command -v "$tool" >/dev/null || die "'$tool' not found: run scripts/install-deps.sh --bench"
done
sinkhub_src=${SINKHUB_BIN:-$root/build/sinkhub}
fake_src=${FAKE_APIFY_BIN:-$root/build/fake_apify}
plugin_src=${FILE_PLUGIN:-$root/build/plugins/file.so}
s3_plugin_src=${S3_PLUGIN:-$root/build/plugins/s3.so}
s3rver_bin="$root/tests/s3/s3rver/node_modules/.bin/s3rver"
if [[ "$S3" == 1 ]]; then
  [[ -f "$s3_plugin_src" ]] || die "'$s3_plugin_src' is missing: build the tree, or S3=0"
  [[ -x "$s3rver_bin" ]] || die "s3rver is not installed ($s3rver_bin): run scripts/install-deps.sh --bench, or S3=0"
  [[ "$S3_PART_SIZE" =~ ^[1-9][0-9]*MiB$ ]] || die "S3_PART_SIZE must be like 8MiB"
fi
for f in "$sinkhub_src" "$fake_src" "$plugin_src"; do
  [[ -f "$f" ]] || die "'$f' is missing: build the tree (cmake --preset default && cmake --build build -j2)"
done

# ---------------------------------------------------------------- temp dir and cleanup
work=$(mktemp -d "${TMPDIR:-/tmp}/sinkhub-bench-e2e.XXXXXX")
plugdir=$(bench_plugin_dir e2e)
pids=()   # processes this script started and has not stopped yet

stop_pid() {  # pid: TERM, up to 10 s, then KILL; always reaps
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
forget_pid() {
  local p rest=()
  for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || rest+=("$p"); done
  pids=("${rest[@]}")
}
stop_proc() { stop_pid "$1"; forget_pid "$1"; }

cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$plugdir"
  # The big files never survive: outputs, the reference download.
  find "$work" \( -name '*.jsonl' -o -name '*.json' -o -name '.*.tmp' -o -name 'ledger.db*' \) \
    -size +1M -delete 2>/dev/null || true
  if [[ "$KEEP" == 1 || $rc -eq 1 || $rc -eq 3 ]]; then
    echo "run.sh: temp dir kept (logs, configs): $work" >&2
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Private copies: named *-bench so that nobody's `pidof sinkhub` / `killall fake_apify` touches
# them, and a rebuild during the run does not change what is measured.
mkdir -p "$work/bin"
cp "$sinkhub_src" "$work/bin/sinkhub-bench"
cp "$fake_src" "$work/bin/fake_apify-bench"
cp "$plugin_src" "$plugdir/file.so"
[[ "$S3" == 1 ]] && cp "$s3_plugin_src" "$plugdir/s3.so"
SINKHUB="$work/bin/sinkhub-bench"
FAKE="$work/bin/fake_apify-bench"
"$SINKHUB" version >/dev/null 2>&1 || die "'$sinkhub_src' does not run ('sinkhub version' failed)"
"$SINKHUB" deliveries --help >/dev/null 2>&1 || die "'$sinkhub_src' has no 'deliveries' command: rebuild it"

baseline_dir="$here/baseline"
if [[ "$BASELINE" == 1 ]]; then
  if [[ ! -f "$baseline_dir/node_modules/apify-client/package.json" ||
        "$baseline_dir/package-lock.json" -nt "$baseline_dir/node_modules/.package-lock.json" ]]; then
    log "installing the Node baseline (npm ci in bench/e2e/baseline)"
    (cd "$baseline_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
      die "npm ci failed in $baseline_dir"
  fi
fi

# ---------------------------------------------------------------- helpers
now() { echo "$EPOCHREALTIME"; }                      # seconds.microseconds, no fork
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
used_ports=" "
free_port() {  # sets $port: free, below Linux's ephemeral range, not handed out before
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12768))
    [[ "$used_ports" == *" $p "* ]] && continue
    port_in_use "$p" && continue
    used_ports+="$p "
    port=$p
    return 0
  done
  die "no free port found on 127.0.0.1"
}

wait_http() {  # pid url: until the server answers 200 (10 s at most)
  local pid=$1 url=$2 code
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" 2>/dev/null || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

vm_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() {  # user+system ticks of one process
  local f
  f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  set -- $f
  echo $((${12} + ${13}))
}
hz=$(getconf CLK_TCK)
load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits (WAIT_IDLE at most) until the machine is under 15% busy over 2 s; sets $pre_busy, $pre_load.
quiet_check() {
  local deadline=$((SECONDS + WAIT_IDLE)) a b warned=0
  while :; do
    a=$(cpu_stat); sleep 2; b=$(cpu_stat)
    pre_busy=$(busy_pct "$a" "$b")
    [[ "$pre_busy" -lt 15 || "$SECONDS" -ge "$deadline" ]] && break
    [[ $warned == 1 ]] || log "machine ${pre_busy}% busy (load $(load1)): waiting up to ${WAIT_IDLE}s for it to calm down"
    warned=1
  done
  pre_load=$(load1)
}

# ---------------------------------------------------------------- machine facts
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ { gsub(/^[ \t]+/, "", $2); print $2; exit }')
fstype=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
sinkhub_version=$("$SINKHUB" version 2>/dev/null | head -1)
sinkhub_sha=$(sha256sum "$SINKHUB" | cut -c1-12)
git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$root" diff --quiet HEAD -- core plugins 2>/dev/null || git_rev+=" (+ uncommitted changes)"
curl_version=$(curl --version | head -1 | cut -d' ' -f1-2)
node_version=$(node --version)
client_version=$(node -p "require('$baseline_dir/node_modules/apify-client/package.json').version" 2>/dev/null || echo "?")
log "machine: nproc $(nproc), ${cpu_model:-?}, load $load_start; temp dir $work ($fstype)"

# ---------------------------------------------------------------- fake Apify API
log "starting fake_apify: ds1 = $DATASET items, ds2 = $SMALL items, ~$ITEM_BYTES bytes each"
"$FAKE" --port 0 --token "$TOKEN" \
  --dataset "ds1:$DATASET:$ITEM_BYTES" --run "run1:ds1:act1" \
  --dataset "ds2:$SMALL:$ITEM_BYTES" --run "run2:ds2:act1" >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
pids+=("$fake_pid")
fake_port=""
for _ in $(seq 100); do
  fake_port=$(awk '/^listening on/ { print $3 }' "$work/fake.out" 2>/dev/null || true)
  [[ -n "$fake_port" ]] && break
  kill -0 "$fake_pid" 2>/dev/null || die "fake_apify exited: $(cat "$work/fake.err")"
  sleep 0.1
done
[[ -n "$fake_port" ]] || die "fake_apify did not report its port within 10 s"
API="http://127.0.0.1:$fake_port"
total=$(curl -s -m 10 -o /dev/null -D - -H "Authorization: Bearer $TOKEN" \
  "$API/v2/datasets/ds1/items?format=jsonl&offset=0&limit=1" | tr -d '\r' |
  awk -F': ' 'tolower($1) == "x-apify-pagination-total" { print $2 }')
[[ "$total" == "$DATASET" ]] || die "fake_apify at $API does not serve ds1 with $DATASET items (total '$total')"

# The curl config: every page sinkhub requests, in the same order, including the final empty
# page that tells sinkhub the dataset has ended. One curl invocation = one connection, reused.
{
  echo "header = \"Authorization: Bearer $TOKEN\""
  echo "write-out = \"%{stderr}%{http_code} %{num_connects}\\n\""
  off=0
  while :; do
    echo "url = \"$API/v2/datasets/ds1/items?format=jsonl&offset=$off&limit=$PAGE_SIZE\""
    [[ $off -ge $DATASET ]] && break
    off=$((off + PAGE_SIZE))
  done
} >"$work/curl.cfg"
pages=$(grep -c '^url' "$work/curl.cfg")

# ---------------------------------------------------------------- s3rver (the s3 row)
S3_ENDPOINT=""
if [[ "$S3" == 1 ]]; then
  free_port
  "$s3rver_bin" -d "$work/s3rver" -a 127.0.0.1 -p "$port" --configure-bucket bench -s \
    >"$work/s3rver.out" 2>"$work/s3rver.err" &
  s3rver_pid=$!
  pids+=("$s3rver_pid")
  S3_ENDPOINT="http://127.0.0.1:$port"
  wait_http "$s3rver_pid" "$S3_ENDPOINT/bench" || die "s3rver did not start: $(tail -3 "$work/s3rver.err")"
  log "s3rver $(node -p "require('$root/tests/s3/s3rver/node_modules/s3rver/package.json').version") on $S3_ENDPOINT"
fi

# ---------------------------------------------------------------- one run of each kind
# Each sets R_WALL (s), R_RSS (KiB, peak), R_CPU (s, the process's user+system), R_BUSY (% of all
# cores busy during the run), R_NOTE; and leaves the output in R_OUT.

run_curl() {  # i
  local out="$work/curl-$1.jsonl" t0 t1 rc=0 s0 s1 c0
  quiet_check
  s0=$(cpu_stat); t0=$(now)
  curl -sS --http1.1 -m "$RUN_TIMEOUT" -K "$work/curl.cfg" >"$out" 2>"$work/curl-$1.err" &
  local cpid=$!
  pids+=("$cpid")
  wait "$cpid" || rc=$?
  t1=$(now); s1=$(cpu_stat)
  forget_pid "$cpid"
  [[ $rc -eq 0 ]] || die "curl failed (exit $rc): $(grep -v '^[0-9]' "$work/curl-$1.err" | tail -3)"
  local bad conns
  bad=$(awk '$1 != 200' "$work/curl-$1.err" | wc -l)
  [[ "$bad" -eq 0 ]] || die "curl: $bad page(s) did not answer 200: $(awk '$1 != 200' "$work/curl-$1.err" | head -3)"
  conns=$(awk '{ n += $2 } END { print n + 0 }' "$work/curl-$1.err")
  R_WALL=$(elapsed "$t0" "$t1"); R_RSS=""; R_CPU=""; R_BUSY=$(busy_pct "$s0" "$s1"); R_DELAY=""; R_SINK=""
  R_NOTE="$pages requests on $conns connection(s)"
  R_OUT=$out
}

sinkhub_config() {  # dir listen_port
  cat <<EOF
server:
  listen: "127.0.0.1:$2"
auth:
  secrets: ["$SECRET"]
apify:
  base_url: "$API"
  token: "$TOKEN"
  page_size: $V_PAGE
ledger:
  path: "$1/ledger.db"
  synchronous: $V_SYNC
plugins:
  dirs: ["$plugdir"]
sinks:
  out:
$(if [[ "$V_SINK" == s3 ]]; then
  printf '    plugin: s3\n    bucket: bench\n    region: us-east-1\n    endpoint: "%s"\n    path_style: true\n' "$S3_ENDPOINT"
  printf '    key: "%s/act1/{runId}.jsonl"\n    part_size: %s\n    access_key_id: S3RVER\n    secret_access_key: S3RVER\n' \
    "$(basename "$1")" "$S3_PART_SIZE"
else
  printf '    plugin: file\n    dir: "%s/out"\n' "$1"
fi)
routes:
  - actors: ["*"]
    events: [ACTOR.RUN.SUCCEEDED]
    sinks: [out]
EOF
  [[ -z "$SINKHUB_EXTRA_YAML" ]] || printf '%s\n' "$SINKHUB_EXTRA_YAML"
}

# POSTs the webhook; echoes the HTTP status.
post_webhook() {  # url run_id dataset_id
  curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "$1" \
    -H "X-Webhook-Secret: $SECRET" -H 'Content-Type: application/json' \
    --data-binary "{\"runId\":\"$2\",\"datasetId\":\"$3\",\"status\":\"SUCCEEDED\",\"actorId\":\"act1\"}" || true
}

# The variant of the next sinkhub run: page size, ledger.synchronous, LD_PRELOAD (EXTRA rows),
# sink (file, or s3: the object is downloaded from s3rver into the same path after the run).
V_PAGE=$PAGE_SIZE V_SYNC=full V_PRELOAD="" V_SINK=file
run_sinkhub() {  # label run_id dataset_id
  local label=$1 run_id=$2 ds=$3 dir port t0 t1 code s0 s1 c0 c1 f0
  dir="$work/$label"
  mkdir -p "$dir/out"
  free_port
  sinkhub_config "$dir" "$port" >"$dir/sinkhub.yaml"
  "$SINKHUB" check-config --config "$dir/sinkhub.yaml" >"$dir/check.out" 2>&1 ||
    die "generated config rejected: $(cat "$dir/check.out")"
  if [[ -n "$V_PRELOAD" ]]; then
    LD_PRELOAD=$V_PRELOAD "$SINKHUB" serve --config "$dir/sinkhub.yaml" --log-level info >"$dir/serve.out" 2>"$dir/serve.err" &
  else
    "$SINKHUB" serve --config "$dir/sinkhub.yaml" --log-level info >"$dir/serve.out" 2>"$dir/serve.err" &
  fi
  local spid=$!
  pids+=("$spid")
  wait_http "$spid" "http://127.0.0.1:$port/readyz" || die "sinkhub did not become ready: $(tail -5 "$dir/serve.err")"
  local out="$dir/out/act1/$run_id.jsonl"
  quiet_check
  local rss_idle; rss_idle=$(vm_kib "$spid" VmHWM)
  c0=$(cpu_ticks "$spid"); f0=$(cpu_ticks "$fake_pid"); s0=$(cpu_stat)
  t0=$(now)
  code=$(post_webhook "http://127.0.0.1:$port/apify-webhook" "$run_id" "$ds")
  [[ "$code" == 2?? ]] || die "sinkhub answered the webhook with HTTP '$code': $(tail -5 "$dir/serve.err")"
  local deadline=$((SECONDS + RUN_TIMEOUT))
  until [[ -e "$out" ]]; do
    # s3: the object is complete when the delivery is done (polled every 50 ms).
    if [[ "$V_SINK" == s3 ]] && "$SINKHUB" deliveries --config "$dir/sinkhub.yaml" --state done --json 2>/dev/null |
         grep -q '"state" *: *"done"'; then
      break
    fi
    [[ "$V_SINK" == s3 ]] && sleep 0.08  # one CLI call per 0.1 s
    kill -0 "$spid" 2>/dev/null || die "sinkhub exited during the run: $(tail -5 "$dir/serve.err")"
    [[ $SECONDS -lt $deadline ]] || die "$label: no complete file after ${RUN_TIMEOUT}s: $(tail -3 "$dir/serve.err")"
    grep -q 'dead letter' "$dir/serve.err" && die "$label: delivery dead-lettered: $(grep 'dead letter' "$dir/serve.err" | tail -1)"
    sleep 0.02
  done
  t1=$(now); s1=$(cpu_stat)
  # The file is renamed into place by the last batch; the ledger marks the delivery done next.
  local state="" tdone
  for _ in $(seq 300); do
    state=$("$SINKHUB" deliveries --config "$dir/sinkhub.yaml" --json 2>/dev/null |
      grep -o '"state" *: *"[a-z]*"' | head -1 | sed 's/.*"\([a-z]*\)"$/\1/' || true)
    [[ "$state" == "done" ]] && break
    sleep 0.1
  done
  tdone=$(now)
  [[ "$state" == "done" ]] || die "$label: file written but the delivery is '$state', not done, 30 s later"
  c1=$(cpu_ticks "$spid")
  R_RSS=$(vm_kib "$spid" VmHWM)
  curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt" 2>/dev/null || true
  stop_proc "$spid"
  R_WALL=$(elapsed "$t0" "$t1")
  R_CPU=$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
  R_FAKE_CPU=$(awk -v t=$(($(cpu_ticks "$fake_pid") - f0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
  R_BUSY=$(busy_pct "$s0" "$s1")
  # From sinkhub's /metrics: the time inside the sink's deliver() calls, and the attempt's own
  # duration (claim to done): wall minus attempt = the wait before a worker took the delivery.
  local attempt_s
  R_SINK=$(awk '/^sinkhub_sink_call_seconds_sum/ { printf "%.2f", $2 }' "$dir/metrics.txt")
  attempt_s=$(awk '/^sinkhub_delivery_attempt_seconds_sum/ { print $2 }' "$dir/metrics.txt")
  R_DELAY=""
  [[ -n "$attempt_s" ]] && R_DELAY=$(awk -v w="$R_WALL" -v a="$attempt_s" 'BEGIN { printf "%.2f", w - a }')
  R_NOTE="done seen +$(elapsed "$t1" "$tdone") s; RSS idle $((rss_idle / 1024)) MiB; sink calls ${R_SINK:-?} s; attempt ${attempt_s:-?} s; fake_apify CPU ${R_FAKE_CPU} s"
  if [[ "$V_SINK" == s3 ]]; then  # read the object back for the checks, then drop it
    local key
    key="$(basename "$dir")/act1/$run_id.jsonl"
    mkdir -p "$(dirname "$out")"
    curl -sS -f -m "$RUN_TIMEOUT" -o "$out" "$S3_ENDPOINT/bench/$key" || die "$label: cannot read back s3://bench/$key"
    curl -s -m 30 -o /dev/null -X DELETE "$S3_ENDPOINT/bench/$key" || true
    R_NOTE+="; $(awk '/^sinkhub_plugin_s3_parts_uploaded_total/ { printf "%d multipart parts", $2 }' "$dir/metrics.txt"); s3rver CPU $(awk -v t="$(cpu_ticks "$s3rver_pid")" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }') s (cumulative)"
  fi
  R_OUT=$out
}

run_baseline() {  # i
  local dir="$work/baseline-$1" port t0 t1 code s0 s1 c0 c1
  mkdir -p "$dir/out"
  free_port
  (cd "$baseline_dir" && PORT=$port WEBHOOK_SECRET=$SECRET APIFY_TOKEN=$TOKEN APIFY_BASE_URL=$API \
     OUT_DIR="$dir/out" exec node server.js) >"$dir/node.out" 2>"$dir/node.err" &
  local npid=$!
  pids+=("$npid")
  for _ in $(seq 100); do
    grep -q '^baseline receiver listening' "$dir/node.out" 2>/dev/null && break
    kill -0 "$npid" 2>/dev/null || die "the baseline exited: $(tail -5 "$dir/node.err")"
    sleep 0.1
  done
  grep -q '^baseline receiver listening' "$dir/node.out" || die "the baseline did not start within 10 s"
  quiet_check
  c0=$(cpu_ticks "$npid"); s0=$(cpu_stat)
  t0=$(now)
  code=$(post_webhook "http://127.0.0.1:$port/apify-webhook" run1 ds1)
  [[ "$code" == 200 ]] || die "the baseline answered the webhook with HTTP '$code'"
  local deadline=$((SECONDS + RUN_TIMEOUT))
  until grep -q '^written \|^failed ' "$dir/node.out"; do
    kill -0 "$npid" 2>/dev/null || die "the baseline exited during the run: $(tail -5 "$dir/node.err")"
    [[ $SECONDS -lt $deadline ]] || die "baseline: no file after ${RUN_TIMEOUT}s"
    sleep 0.02
  done
  t1=$(now); s1=$(cpu_stat)
  c1=$(cpu_ticks "$npid")
  R_RSS=$(vm_kib "$npid" VmHWM)
  stop_proc "$npid"
  grep -q '^failed ' "$dir/node.out" && die "baseline: $(grep '^failed ' "$dir/node.out")"
  R_WALL=$(elapsed "$t0" "$t1")
  R_CPU=$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
  R_BUSY=$(busy_pct "$s0" "$s1"); R_DELAY=""; R_SINK=""
  local n
  n=$(awk '/^written / { print $2 }' "$dir/node.out")
  [[ "$n" == "$DATASET" ]] || { echo "run.sh: baseline wrote $n items, not $DATASET" >&2; check_failed=1; }
  R_NOTE="one GET for all items (no limit sent); $(grep -c . "$dir/node.err" || true) stderr lines"
  R_OUT="$dir/out/act1-run1.json"
}

# ---------------------------------------------------------------- checks
check_failed=0
declare -A CHECKS
check() {  # key label file want_lines want_bytes want_sha: sets CHECKS[key] (first failure sticks)
  local lines bytes sha
  lines=$(wc -l <"$3"); bytes=$(stat -c %s "$3"); sha=$(sha256sum "$3" | cut -d' ' -f1)
  if [[ "$lines" == "$4" && "$bytes" == "$5" && "$sha" == "$6" ]]; then
    [[ -n "${CHECKS[$1]:-}" ]] || CHECKS[$1]=ok
  else
    echo "run.sh: $2: $lines lines, $bytes bytes, sha256 $sha; want $4 lines, $5 bytes, sha256 $6" >&2
    check_failed=1
    CHECKS[$1]=MISMATCH
  fi
}

# Median of the values given (numbers); "" when none.
median() { printf '%s\n' "$@" | { grep . || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
minmax() { printf '%s\n' "$@" | { grep . || true; } | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR > 1) printf "%s-%s", a, b }'; }

declare -A WALLS RSSS CPUS BUSYS LOADS PREB NOTES DELAYS SINKS
record() {  # label
  WALLS[$1]+="$R_WALL "; RSSS[$1]+="${R_RSS:-} "; CPUS[$1]+="${R_CPU:-} "; BUSYS[$1]+="$R_BUSY "
  DELAYS[$1]+="${R_DELAY:-} "; SINKS[$1]+="${R_SINK:-} "
  LOADS[$1]+="$pre_load "; PREB[$1]+="$pre_busy "; NOTES[$1]=$R_NOTE
  log "$1: ${R_WALL} s, peak RSS ${R_RSS:-n/a} KiB, CPU ${R_CPU:-n/a} s, busy ${R_BUSY}% (before ${pre_busy}%, load ${pre_load}); $R_NOTE"
}

# ---------------------------------------------------------------- the runs
BIG_PAGE=$((PAGE_SIZE * 10)); [[ $BIG_PAGE -le 100000 ]] || BIG_PAGE=100000
nofsync=""
if [[ "$EXTRA" == 1 ]]; then
  if command -v cc >/dev/null; then
    printf '%s\n' '/* bench/e2e experiment: fsync and fdatasync succeed without syncing */' \
      '#include <unistd.h>' 'int fsync(int fd) { (void)fd; return 0; }' 'int fdatasync(int fd) { (void)fd; return 0; }' \
      >"$work/nofsync.c"
    cc -shared -fPIC -O2 -o "$work/nofsync.so" "$work/nofsync.c" 2>"$work/nofsync.err" && nofsync="$work/nofsync.so" ||
      log "cannot build the no-fsync shim ($(head -1 "$work/nofsync.err")): that row is skipped"
  else
    log "no C compiler: the no-fsync row is skipped"
  fi
fi
ref="$work/ref.jsonl"
for i in $(seq "$RUNS"); do
  log "run $i/$RUNS: curl, $pages pages of $PAGE_SIZE"
  run_curl "$i"
  if [[ $i -eq 1 ]]; then
    mv "$R_OUT" "$ref"
    ref_lines=$(wc -l <"$ref"); ref_bytes=$(stat -c %s "$ref"); ref_sha=$(sha256sum "$ref" | cut -d' ' -f1)
    [[ "$ref_lines" == "$DATASET" ]] || die "curl fetched $ref_lines lines, not $DATASET"
    small_bytes=$(head -n "$SMALL" "$ref" | wc -c); small_sha=$(head -n "$SMALL" "$ref" | sha256sum | cut -d' ' -f1)
    json_sha=$({ printf '['; head -c -1 "$ref" | tr '\n' ','; printf ']'; } | sha256sum | cut -d' ' -f1)
    json_bytes=$((ref_bytes + 1))  # '[' + items joined by ',' + ']': one byte more than the jsonl
    CHECKS[curl]=ok
  else
    check curl curl "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
    rm -f "$R_OUT"
  fi
  record curl

  log "run $i/$RUNS: sinkhub, $DATASET items"
  run_sinkhub "sinkhub-big-$i" run1 ds1
  check big "sinkhub $DATASET" "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
  rm -f "$R_OUT"
  record big

  if [[ "$S3" == 1 ]]; then
    log "run $i/$RUNS: sinkhub + s3 sink -> s3rver, $DATASET items"
    V_SINK=s3
    run_sinkhub "sinkhub-s3-$i" run1 ds1
    V_SINK=file
    check s3 "sinkhub s3" "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
    rm -f "$R_OUT"
    record s3
  fi

  log "run $i/$RUNS: sinkhub, $SMALL items"
  run_sinkhub "sinkhub-small-$i" run2 ds2
  check small "sinkhub $SMALL" "$R_OUT" "$SMALL" "$small_bytes" "$small_sha"
  rm -f "$R_OUT"
  record small

  if [[ "$EXTRA" == 1 ]]; then
    log "run $i/$RUNS: (info) sinkhub, $DATASET items, ledger.synchronous=normal"
    V_SYNC=normal
    run_sinkhub "sinkhub-normal-$i" run1 ds1
    V_SYNC=full
    check normal "sinkhub normal" "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
    rm -f "$R_OUT"
    record normal

    log "run $i/$RUNS: (info) sinkhub, $DATASET items, apify.page_size=$BIG_PAGE"
    V_PAGE=$BIG_PAGE
    run_sinkhub "sinkhub-page-$i" run1 ds1
    V_PAGE=$PAGE_SIZE
    check page "sinkhub page" "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
    rm -f "$R_OUT"
    record page

    if [[ -n "$nofsync" ]]; then
      log "run $i/$RUNS: (info) sinkhub, $DATASET items, fsync/fdatasync disabled (LD_PRELOAD)"
      V_PRELOAD=$nofsync
      run_sinkhub "sinkhub-nofsync-$i" run1 ds1
      V_PRELOAD=""
      check nofsync "sinkhub nofsync" "$R_OUT" "$ref_lines" "$ref_bytes" "$ref_sha"
      rm -f "$R_OUT"
      record nofsync
    fi
  fi

  if [[ "$BASELINE" == 1 ]]; then
    log "run $i/$RUNS: baseline (apify-client listItems + one JSON file), $DATASET items"
    run_baseline "$i"
    check baseline baseline "$R_OUT" 0 "$json_bytes" "$json_sha"
    rm -f "$R_OUT"
    record baseline
  fi
done
rm -f "$ref"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- table
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
mark() {  # var test...: sets var to met/MISSED (not in a subshell, so $missed sticks)
  local var=$1
  shift
  if "$@"; then printf -v "$var" met; else printf -v "$var" MISSED; missed=1; fi
}
mib() { [[ -n "$1" ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "-"; }

declare -A W R C N
declare -A D S
rows=(curl big small)
[[ "$S3" == 1 ]] && rows+=(s3)
[[ "$BASELINE" == 1 ]] && rows+=(baseline)
if [[ "$EXTRA" == 1 ]]; then
  rows+=(normal page)
  [[ -n "$nofsync" ]] && rows+=(nofsync)
fi
for l in "${rows[@]}"; do
  # shellcheck disable=SC2086
  W[$l]=$(median ${WALLS[$l]}); R[$l]=$(median ${RSSS[$l]}); C[$l]=$(median ${CPUS[$l]})
  # shellcheck disable=SC2086
  D[$l]=$(median ${DELAYS[$l]}); S[$l]=$(median ${SINKS[$l]})
  case $l in small) N[$l]=$SMALL ;; *) N[$l]=$DATASET ;; esac
done
label_of() {
  case $1 in
    curl) echo "curl ceiling: $pages GETs (limit $PAGE_SIZE, jsonl), one connection" ;;
    big) echo "sinkhub serve + file sink, $DATASET items" ;;
    small) echo "sinkhub serve + file sink, $SMALL items" ;;
    s3) echo "sinkhub serve + s3 sink -> s3rver (part_size $S3_PART_SIZE), $DATASET items" ;;
    baseline) echo "Node baseline: apify-client listItems() + writeFileSync, $DATASET items" ;;
    normal) echo "(info) sinkhub, $DATASET items, ledger.synchronous=normal" ;;
    page) echo "(info) sinkhub, $DATASET items, apify.page_size=$BIG_PAGE" ;;
    nofsync) echo "(info) sinkhub, $DATASET items, fsync+fdatasync are no-ops (LD_PRELOAD)" ;;
  esac
}
table=$(
  printf '| %-72s | %9s | %13s | %9s | %8s | %10s | %6s | %7s | %6s | %6s | %-6s |\n' \
    "webhook -> file ($RUNS run(s) each, medians)" "wall s" "wall min-max" "items/s" "MB/s" "peak RSS" "CPU s" "delay s" "sink s" "busy" "output"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..74})" "----------:" "--------------:" "----------:" \
    "---------:" "-----------:" "-------:" "--------:" "-------:" "-------:" "--------"
  for l in "${rows[@]}"; do
    rss="-"; [[ -n "${R[$l]}" ]] && rss="$(mib "${R[$l]}") MiB"
    # shellcheck disable=SC2086
    printf '| %-72s | %9s | %13s | %9s | %8s | %10s | %6s | %7s | %6s | %5s%% | %-6s |\n' "$(label_of "$l")" "${W[$l]}" \
      "$(minmax ${WALLS[$l]})" "$(awk -v n="${N[$l]}" -v w="${W[$l]}" 'BEGIN { printf "%.0f", n / w }')" \
      "$(awk -v n="${N[$l]}" -v b="$ref_bytes" -v d="$DATASET" -v w="${W[$l]}" 'BEGIN { printf "%.1f", n * b / d / w / 1e6 }')" \
      "$rss" "${C[$l]:--}" "${D[$l]:--}" "${S[$l]:--}" "$(median ${BUSYS[$l]})" "${CHECKS[$l]:-?}"
  done
)

missed=0 m_base="" m_curl="" m_rss="" m_flat="" m_s3=""
r_curl=$(ratio "${W[big]}" "${W[curl]}")
rss_ratio=$(ratio "${R[big]}" "${R[small]}")
mark m_curl le "$r_curl" 1.5
mark m_rss le "${R[big]}" 65535
mark m_flat le "$rss_ratio" 1.10
targets="| target | measured | |
|---|---|---|"
if [[ "$BASELINE" == 1 ]]; then
  r_base=$(ratio "${W[big]}" "${W[baseline]}")
  mark m_base le "$r_base" 0.2
  targets+="
| sinkhub wall time <= 1/5 of the baseline's (ratio <= 0.20) | ${W[big]} s / ${W[baseline]} s = $r_base | $m_base |"
fi
targets+="
| sinkhub wall time <= 1.5x curl's | ${W[big]} s / ${W[curl]} s = ${r_curl}x | $m_curl |
| sinkhub peak RSS < 64 MiB ($DATASET items) | $(mib "${R[big]}") MiB | $m_rss |
| sinkhub peak RSS within 10% between $SMALL and $DATASET items | $(mib "${R[big]}") / $(mib "${R[small]}") MiB = ${rss_ratio}x | $m_flat |"
if [[ "$S3" == 1 ]]; then
  s3_limit_kib=$((65536 + ${S3_PART_SIZE%MiB} * 1024))
  mark m_s3 le "${R[s3]}" "$((s3_limit_kib - 1))"
  targets+="
| s3 sink: sinkhub peak RSS < 64 MiB + one part ($DATASET items, part_size $S3_PART_SIZE) | $(mib "${R[s3]}") MiB (limit $((s3_limit_kib / 1024)) MiB) | $m_s3 |
| s3 sink throughput beside the file sink's (informative) | $(awk -v n="$DATASET" -v w="${W[s3]}" 'BEGIN { printf "%.0f", n / w }') vs $(awk -v n="$DATASET" -v w="${W[big]}" 'BEGIN { printf "%.0f", n / w }') items/s = $(ratio "${W[big]}" "${W[s3]}")x | |"
fi

notes="Run notes (last run of each row):"
for l in "${rows[@]}"; do notes+="
- $(label_of "$l"): ${NOTES[$l]}"; done
loads=""
for l in "${rows[@]}"; do loads+="$l ${LOADS[$l]% } / ${PREB[$l]% }%; "; done
loads=${loads%; }
busy_runs=0 all_runs=0
for l in "${rows[@]}"; do
  for v in ${PREB[$l]}; do
    all_runs=$((all_runs + 1))
    [[ "$v" -lt 15 ]] || busy_runs=$((busy_runs + 1))
  done
done
if [[ $busy_runs -eq 0 ]]; then
  idle_note="The machine was idle before every run (under 15% busy over the 2 s before it)."
else
  idle_note="$busy_runs of $all_runs runs started with the machine 15% busy or more (someone else's work; WAIT_IDLE=${WAIT_IDLE}s ran out): the min-max spread shows how much that moved a row."
fi

cmd="DATASET=$DATASET SMALL=$SMALL ITEM_BYTES=$ITEM_BYTES PAGE_SIZE=$PAGE_SIZE RUNS=$RUNS BASELINE=$BASELINE EXTRA=$EXTRA S3=$S3 S3_PART_SIZE=$S3_PART_SIZE WAIT_IDLE=$WAIT_IDLE bench/e2e/run.sh"
extra=""
[[ -n "$SINKHUB_EXTRA_YAML" ]] && extra="
- sinkhub config additions (SINKHUB_EXTRA_YAML): \`$(printf '%s' "$SINKHUB_EXTRA_YAML" | tr '\n' ' ')\`"
report="$BEGIN_MARK
$SECTION_TITLE

Run $started. Replaced by every run of \`bench/e2e/run.sh\` (see bench/README.md).

- Command: \`$cmd\` (from the repository root)
- Machine: nproc $(nproc); $(uname -r); Model name: ${cpu_model:-?}; outputs and ledgers on $fstype (\`${TMPDIR:-/tmp}\`)
- Load average (1/5/15 min) at start: $load_start; at end: $load_end. Before each run (row: 1-minute load average / share of all cores busy over the 2 s before it, one value per run): $loads. $idle_note
- Versions: sinkhub \`$sinkhub_version\` (binary sha256 $sinkhub_sha, git $git_rev); $curl_version; node $node_version, apify-client $client_version$extra
- One fake_apify process serves everything: \`ds1\` = $DATASET generated items of ~$ITEM_BYTES bytes ($ref_bytes bytes as jsonl), \`ds2\` = its first $SMALL items. Each sinkhub and baseline run is a fresh process (fresh ledger, \`ledger.synchronous: full\`, \`delivery.workers: 4\`, \`apify.page_size: $PAGE_SIZE\`); wall time runs from just before the webhook POST until the file is complete (sinkhub: the file sink renames it into place after the last batch, and \`sinkhub deliveries --json\` is then polled to \`done\`; baseline: the line it prints after \`writeFileSync\`). Peak RSS is VmHWM from /proc/PID/status read at the end (curl: not measured). \"CPU s\": the process's user+system time over the run. \"delay s\": wall time minus the delivery attempt's own duration (\`sinkhub_delivery_attempt_seconds\` from /metrics), i.e. the wait from the webhook until a worker started the delivery. \"sink s\": time inside the file sink's deliver() calls (\`sinkhub_sink_call_seconds_sum\`: write + fsync of each batch). \"busy\": share of all cores busy during the run (everything on the machine: sinkhub, fake_apify, curl). Rows marked (info) are experiments that show where the time goes, not held against the targets. Outputs checked: sinkhub's files byte-identical (size + sha256) to curl's concatenated pages; the baseline's JSON file equal to \`[\` + those items joined by \`,\` + \`]\`.

$table

$targets

Ratios: sinkhub/baseline wall time ${r_base:-n/a}; sinkhub/curl wall time ${r_curl}x; sinkhub peak RSS $DATASET vs $SMALL items ${rss_ratio}x.

$notes
$END_MARK"

echo
echo "$report" | sed -n '/^| /p'
echo
echo "Ratios: sinkhub/baseline ${r_base:-n/a}, sinkhub/curl ${r_curl}x, RSS $DATASET/$SMALL ${rss_ratio}x"

# ---------------------------------------------------------------- RESULTS.md
# Replace our delimited section in place (or append it), re-reading the file right before the
# write and replacing it atomically: other scripts append their own sections to the same file.
if [[ "$RESULTS" != "-" ]]; then
  if [[ "$check_failed" != 0 ]]; then
    log "an output check failed: $RESULTS left unchanged"
  else
    printf '%s\n' "$report" >"$work/section.md"
    tmp="$RESULTS.e2e.$$"
    if [[ -f "$RESULTS" ]]; then
      awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v f="$work/section.md" '
        function emit(  line) { while ((getline line < f) > 0) print line; close(f); done = 1 }
        $0 == b { skip = 1; emit(); next }
        skip && $0 == e { skip = 0; next }
        skip { next }
        { print }
        END { if (!done) { print ""; emit() } }' "$RESULTS" >"$tmp"
    else
      { echo "# Benchmark results"; echo; cat "$work/section.md"; } >"$tmp"
    fi
    mv "$tmp" "$RESULTS"
    log "e2e section written to $RESULTS"
  fi
fi

[[ "$check_failed" == 0 ]] || exit 3
[[ "$STRICT" == 1 && "$missed" == 1 ]] && exit 4
exit 0
