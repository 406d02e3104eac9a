#!/usr/bin/env bash
# bench/gsheets/run.sh - the Google Sheets sink end to end, beside the file sink, in ONE
# invocation against ONE fake Apify API (build/fake_apify) and ONE fake Google
# (build/fake_google, token endpoint + Sheets API v4 on 127.0.0.1):
#   for N in SMALL (default 10 000) and DATASET (default 100 000) items of ~ITEM_BYTES bytes:
#     1. sinkhub serve + the file sink: webhook POST -> delivery done; items/s, peak RSS;
#     2. sinkhub serve + the gsheets sink (service account made by fake_google): webhook POST
#        -> delivery done; items/s, peak RSS (VmHWM), the rows checked in the fake's grid.
# The gsheets rows run with the real pacing but a fake quota window shortened by TIME_SCALE
# (SINKHUB_GSHEETS_TEST_TIME_SCALE and fake_google --quota-window-ms alike): the benchmark
# measures the sink's own cost, not Google's 60 writes/minute. The target: gsheets' peak RSS
# stays flat from SMALL to DATASET items (the sink holds one batch, never the dataset).
#
# Usage (needs a built tree: cmake --preset default && cmake --build build -j2):
#   bench/gsheets/run.sh                        # prints the table (records nothing)
#   DATASET=20000 SMALL=2000 bench/gsheets/run.sh
# Environment: DATASET, SMALL, ITEM_BYTES (default 150), PAGE_SIZE (default 5000),
#   TIME_SCALE (default 100), RUN_TIMEOUT (s, default 900), SINKHUB_BIN, FAKE_APIFY_BIN,
#   FAKE_GOOGLE_BIN, FILE_PLUGIN, GSHEETS_PLUGIN, KEEP=1 (keep the temp dir).
# Exit status: 0 done; 1 setup problem or a run failed; 3 an output check failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"

DATASET=${DATASET:-100000}
SMALL=${SMALL:-10000}
ITEM_BYTES=${ITEM_BYTES:-150}
PAGE_SIZE=${PAGE_SIZE:-5000}
TIME_SCALE=${TIME_SCALE:-100}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
KEEP=${KEEP:-0}
TOKEN=bench-token-gsheets
SECRET=bench-secret-0123456789abcdef012
SHEET_ID=1BenchSheet0123456789abcdefghijklmnopqrstuv

for v in DATASET SMALL ITEM_BYTES PAGE_SIZE TIME_SCALE RUN_TIMEOUT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ "$TIME_SCALE" -le 10000 ]] || die "TIME_SCALE must be 1..10000"
for tool in curl awk; do command -v "$tool" >/dev/null || die "'$tool' not found"; done
bins=("${SINKHUB_BIN:-$root/build/sinkhub}" "${FAKE_APIFY_BIN:-$root/build/fake_apify}"
      "${FAKE_GOOGLE_BIN:-$root/build/fake_google}" "${FILE_PLUGIN:-$root/build/plugins/file.so}"
      "${GSHEETS_PLUGIN:-$root/build/plugins/gsheets.so}")
for f in "${bins[@]}"; do [[ -f "$f" ]] || die "'$f' is missing: build the tree"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/sinkhub-bench-gsheets.XXXXXX")
pids=()
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [[ "$KEEP" == 1 || $rc -ne 0 ]]; then echo "run.sh: temp dir kept: $work" >&2; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Private copies named *-bench: nobody's `pidof sinkhub` touches them, a rebuild changes nothing.
mkdir -p "$work/bin" "$work/plugins"
cp "${bins[0]}" "$work/bin/sinkhub-bench"
cp "${bins[1]}" "$work/bin/fake_apify-bench"
cp "${bins[2]}" "$work/bin/fake_google-bench"
cp "${bins[3]}" "$work/plugins/file.so"
cp "${bins[4]}" "$work/plugins/gsheets.so"
SINKHUB="$work/bin/sinkhub-bench"

vm_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
port_of() {  # out-file pid name: the port a fake printed ("listening on PORT")
  local p=""
  for _ in $(seq 100); do
    p=$(awk '/^listening on/ { print $3 }' "$1" 2>/dev/null || true)
    [[ -n "$p" ]] && { echo "$p"; return; }
    kill -0 "$2" 2>/dev/null || die "$3 exited at start-up"
    sleep 0.1
  done
  die "$3 did not report its port within 10 s"
}

log "starting fake_apify (ds_small = $SMALL, ds_big = $DATASET items of ~$ITEM_BYTES bytes)"
"$work/bin/fake_apify-bench" --port 0 --token "$TOKEN" \
  --dataset "ds_small:$SMALL:$ITEM_BYTES" --dataset "ds_big:$DATASET:$ITEM_BYTES" \
  --run "f_small:ds_small:act1" --run "f_big:ds_big:act1" \
  --run "g_small:ds_small:act1" --run "g_big:ds_big:act1" >"$work/apify.out" 2>"$work/apify.err" &
pids+=($!)
API="http://127.0.0.1:$(port_of "$work/apify.out" "${pids[-1]}" fake_apify)"

log "starting fake_google (quota window $((60000 / TIME_SCALE)) ms)"
"$work/bin/fake_google-bench" --spreadsheet "$SHEET_ID:Bench" --service-account "$work/key.json" \
  --quota-window-ms $((60000 / TIME_SCALE)) >"$work/google.out" 2>"$work/google.err" &
pids+=($!)
GOOGLE="http://127.0.0.1:$(port_of "$work/google.out" "${pids[-1]}" fake_google)"

free_port() {  # sets $port: free, below Linux's ephemeral range
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12768))
    port_in_use "$p" && continue
    port=$p
    return 0
  done
  die "no free port found on 127.0.0.1"
}

config() {  # dir port sink-yaml
  cat <<YAML
server: {listen: "127.0.0.1:$2", path: /apify-webhook}
auth: {header: X-Webhook-Secret, secrets: ["$SECRET"]}
apify: {base_url: "$API", token: "$TOKEN", page_size: $PAGE_SIZE}
ledger: {path: "$1/ledger.db"}
delivery: {workers: 2}
plugins: {dirs: ["$work/plugins"]}
sinks:
  out:
$3
routes:
  - {actors: ["*"], events: [ACTOR.RUN.SUCCEEDED], sinks: [out]}
YAML
}

# One measured run: prints "items items/s peak_rss_kib".
run_one() {  # label run_id dataset_id items sink-yaml
  local label=$1 dir="$work/$1" spid port t0 t1 state="" code
  mkdir -p "$dir"
  free_port
  config "$dir" "$port" "$5" >"$dir/sinkhub.yaml"
  "$SINKHUB" check-config --config "$dir/sinkhub.yaml" >"$dir/check.out" 2>&1 || die "config rejected: $(cat "$dir/check.out")"
  SINKHUB_GSHEETS_TEST_TIME_SCALE=$TIME_SCALE "$SINKHUB" serve --config "$dir/sinkhub.yaml" \
    >"$dir/out.log" 2>"$dir/err.log" &
  spid=$!
  pids+=("$spid")
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/readyz" 2>/dev/null || true)
    [[ "$code" == 200 ]] && break
    kill -0 "$spid" 2>/dev/null || die "$label: sinkhub exited: $(tail -5 "$dir/err.log")"
    sleep 0.1
  done
  [[ "$code" == 200 ]] || die "$label: sinkhub did not become ready"
  t0=$(date +%s.%N)
  curl -s -m 10 -o /dev/null -X POST "http://127.0.0.1:$port/apify-webhook" -H "X-Webhook-Secret: $SECRET" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"runId\":\"$2\",\"datasetId\":\"$3\",\"status\":\"SUCCEEDED\",\"actorId\":\"act1\"}"
  local deadline=$((SECONDS + RUN_TIMEOUT))
  while [[ $SECONDS -lt $deadline ]]; do
    state=$("$SINKHUB" deliveries --config "$dir/sinkhub.yaml" --json 2>/dev/null |
      grep -o '"state" *: *"[a-z]*"' | head -1 | sed 's/.*"\([a-z]*\)"$/\1/' || true)
    [[ "$state" == done || "$state" == dead ]] && break
    sleep 0.2
  done
  t1=$(date +%s.%N)
  [[ "$state" == done ]] || die "$label: delivery ended '$state' (logs in $dir)"
  local rss; rss=$(vm_kib "$spid" VmHWM)
  stop_pid "$spid"
  awk -v n="$4" -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN { printf "%d %.0f %d\n", n, n / (b - a), r }'
}

# The fake's grid must hold exactly `items` data rows in the tab: one number cell (the item's
# "i") per row; the header and the other cells are text.
check_tab() {  # tab items
  local rows
  rows=$(curl -s -m 120 "$GOOGLE/_fake/spreadsheets/$SHEET_ID/values?tab=$1" | grep -o '"number"' | wc -l)
  [[ "$rows" -eq "$2" ]] || { echo "run.sh: tab $1 holds $rows data rows, expected $2" >&2; exit 3; }
}

file_yaml() { printf '    plugin: file\n    dir: "%s/files-%s"\n' "$work" "$1"; }
gsheets_yaml() {
  printf '    plugin: gsheets\n    credentials_file: "%s"\n    spreadsheet_id: "%s"\n    sheet: "%s"\n    api_base_url: "%s"\n' \
    "$work/key.json" "$SHEET_ID" "$1" "$GOOGLE"
}

declare -A R
R[file_small]=$(run_one file-small f_small ds_small "$SMALL" "$(file_yaml small)")
R[file_big]=$(run_one file-big f_big ds_big "$DATASET" "$(file_yaml big)")
R[gs_small]=$(run_one gsheets-small g_small ds_small "$SMALL" "$(gsheets_yaml small)")
check_tab small "$SMALL"
R[gs_big]=$(run_one gsheets-big g_big ds_big "$DATASET" "$(gsheets_yaml big)")
check_tab big "$DATASET"

echo
echo "| sink | items | items/s | peak RSS (MiB) |"
echo "|------|------:|--------:|---------------:|"
for k in file_small file_big gs_small gs_big; do
  read -r n rate rss <<<"${R[$k]}"
  printf '| %s | %s | %s | %.1f |\n' "${k%_*}" "$n" "$rate" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')"
done
read -r _ _ rss_s <<<"${R[gs_small]}"
read -r _ _ rss_b <<<"${R[gs_big]}"
echo
echo "gsheets peak RSS, $DATASET vs $SMALL items: x$(ratio "$rss_b" "$rss_s") (flat means about x1.0)"
