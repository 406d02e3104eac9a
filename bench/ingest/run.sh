#!/usr/bin/env bash
# bench/ingest/run.sh - ingest benchmark: how many durable webhook acknowledgements per second
# sinkhub gives, next to two baselines measured in the same invocation on the same machine:
#   1. sinkhub serve, ledger synchronous=full, no sinks/routes (no deliveries planned), every
#      request a new Apify envelope (unique run id) -> every 200 is a new fsync'ed insert;
#   2. the Express receiver of Apify's guide (express.json(), header check, in-memory Set) on
#      its cheapest path: the same run id repeated, so it only ever answers "duplicate";
#   3. nginx answering a fixed 200 to the POST: the ceiling of HTTP on this machine.
# Each server runs alone on 127.0.0.1, gets a warm-up, then wrk -t2 -c64 for DURATION seconds.
#
# Usage (from anywhere; needs scripts/install-deps.sh --bench and a built sinkhub):
#   bench/ingest/run.sh
# Environment:
#   SINKHUB_BIN  sinkhub binary (default: <repo>/build/sinkhub); copied before use, so a rebuild
#                during the run does not change what is measured
#   DURATION     seconds measured per server (default 15)
#   WARMUP       seconds of warm-up per server, not measured (default 3)
#   EXTRA        1 (default): also informative rows - sinkhub with synchronous=normal, and nginx
#                driven by sinkhub's dynamic Lua client (the client's own cost); 0: skip them
#   RESULTS      file the results section is appended to (default <repo>/bench/RESULTS.md);
#                "-" records nothing (trial runs)
#   STRICT       1: exit 4 when a target is missed (default 0: report only)
#   KEEP         1: keep the temp dir (configs, ledger, logs, raw wrk output)
#   WAIT_IDLE    before each row, wait up to this many seconds for the machine to be idle (under
#                15% busy over 2 s); default 0: measure idleness, record it, do not wait
# Exit status: 0 done; 1 setup problem or a server died; 3 a correctness check failed (non-2xx answers, duplicate
# answers or missing ledger rows for sinkhub); 4 STRICT and a target missed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
EXTRA=${EXTRA:-1}
STRICT=${STRICT:-0}
WAIT_IDLE=${WAIT_IDLE:-0}
KEEP=${KEEP:-0}
RESULTS=${RESULTS:-$root/bench/RESULTS.md}
CONNECTIONS=64
THREADS=2
SECRET=bench-secret-0123456789abcdef012   # 32 characters
WRK_TIMEOUT=2s


[[ "$DURATION" =~ ^[1-9][0-9]*$ && "$DURATION" -le 600 ]] || die "DURATION must be 1..600 seconds, got '$DURATION'"
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -le 60 ]] || die "WARMUP must be 0..60 seconds, got '$WARMUP'"
[[ "$WAIT_IDLE" =~ ^[0-9]+$ && "$WAIT_IDLE" -le 3600 ]] || die "WAIT_IDLE must be 0..3600 seconds, got '$WAIT_IDLE'"

# ---------------------------------------------------------------- prerequisites
NGINX=$(command -v nginx || echo /usr/sbin/nginx)   # /usr/sbin is not on every user's PATH
[[ -x "$NGINX" ]] || die "'nginx' not found: run scripts/install-deps.sh --bench"
for tool in wrk node npm sqlite3 curl; do
  command -v "$tool" >/dev/null ||
    die "'$tool' not found: run scripts/install-deps.sh --bench (node/npm: any node >= 18)"
done
bin_src=${SINKHUB_BIN:-$root/build/sinkhub}
[[ -f "$bin_src" && -x "$bin_src" ]] ||
  die "sinkhub binary '$bin_src' is missing or not executable: build it (cmake --preset default && cmake --build build -j2) or set SINKHUB_BIN"

# ---------------------------------------------------------------- temp dir and cleanup
work=$(mktemp -d "${TMPDIR:-/tmp}/sinkhub-bench-ingest.XXXXXX")
pids=()   # the server processes this script started and has not stopped yet

stop_server() {  # pid: stop it and forget it (a reaped pid may be reused by anyone)
  local pid=$1 p rest=()
  stop_pid "$pid"
  for p in "${pids[@]}"; do [[ "$p" == "$pid" ]] || rest+=("$p"); done
  pids=("${rest[@]}")
}

stop_pid() {  # pid: TERM, up to 5 s, then KILL; always reaps
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  [[ -n "${wrk_pid:-}" ]] && stop_pid "$wrk_pid"
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [[ "$KEEP" == 1 ]]; then
    echo "run.sh: temp dir kept: $work" >&2
  elif [[ $rc -eq 1 || $rc -eq 3 ]]; then
    # Keep what explains the failure (configs, logs, raw wrk output), not the big ledgers.
    find "$work" -name 'ledger.db*' -delete 2>/dev/null || true
    echo "run.sh: logs and raw output kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Named sinkhub-bench so that stopping "sinkhub" by exact name (killall, pidof) elsewhere on a
# shared machine neither stops this copy nor is confused by it.
mkdir "$work/bin"
bin="$work/bin/sinkhub-bench"
cp "$bin_src" "$bin"
"$bin" version >/dev/null 2>&1 || die "'$bin_src' does not run ('sinkhub version' failed)"

# ---------------------------------------------------------------- Express baseline deps
express_dir="$here/express"
if [[ ! -f "$express_dir/node_modules/express/package.json" ||
      "$express_dir/package-lock.json" -nt "$express_dir/node_modules/.package-lock.json" ]]; then
  log "installing the Express baseline (npm ci in bench/ingest/express)"
  (cd "$express_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
    die "npm ci failed in $express_dir"
fi

# ---------------------------------------------------------------- helpers
used_ports=" "
free_port() {  # sets $port to a free port not handed out before in this run
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12768))  # 20000-32767: below Linux's ephemeral range, so neither our
                                    # own client connections nor bind(0) users pick it meanwhile
    [[ "$used_ports" == *" $p "* ]] && continue
    port_in_use "$p" && continue
    used_ports+="$p "
    port=$p
    return 0
  done
  die "no free port found on 127.0.0.1"
}

wait_http() {  # pid url: until the server answers anything over HTTP (10 s at most)
  local pid=$1 url=$2 code
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" 2>/dev/null || true)
    [[ -n "$code" && "$code" != 000 ]] && return 0
    sleep 0.1
  done
  return 1
}

# CPU ticks (user + system) of the given pids and their direct children (nginx workers).
cpu_ticks() {
  local total=0 pid kid f
  for pid in "$@"; do
    for kid in $pid $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
      f=$(sed 's/^.*) //' "/proc/$kid/stat" 2>/dev/null) || continue
      set -- $f
      total=$((total + ${12} + ${13}))
    done
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# The server must still be running, and be the only listener on its port: a process that
# dies mid-run, or a second process bound to the same port (SO_REUSEPORT), invalidates a row.
server_alive() {  # label pid url
  local port=${3#http://127.0.0.1:} n st=0
  port=${port%%/*}
  if ! kill -0 "$2" 2>/dev/null; then
    wait "$2" || st=$?
    die "$1 (pid $2) exited during the benchmark (status $st); see $work"
  fi
  if command -v ss >/dev/null; then
    n=$(ss -Hltn "sport = :$port" | wc -l)
    [[ "$n" -le 1 ]] || die "$n sockets listen on 127.0.0.1:$port: another process shares the port with $1"
  fi
}

# Measures how busy the machine is over 2 s (sets $pre_busy). With WAIT_IDLE > 0, repeats
# until it is under 15% or WAIT_IDLE seconds have passed (then goes on: the value is recorded).
quiet_check() {
  local deadline=$((SECONDS + WAIT_IDLE)) a b
  while :; do
    a=$(cpu_stat); sleep 2; b=$(cpu_stat)
    pre_busy=$(busy_pct "$a" "$b")
    [[ "$pre_busy" -lt 15 || "$SECONDS" -ge "$deadline" ]] && return 0
    log "machine ${pre_busy}% busy before the next row: waiting (WAIT_IDLE=${WAIT_IDLE}s)"
  done
}

# run_wrk OUTFILE WRK_ARGS...: wrk at the fixed threads/connections/timeout. In the background
# and waited for, so that a signal to this script interrupts it and the EXIT trap stops wrk too.
wrk_pid=""
run_wrk() {
  local out=$1 rc=0
  shift
  wrk -t"$THREADS" -c"$CONNECTIONS" --timeout "$WRK_TIMEOUT" "$@" >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || rc=$?
  wrk_pid=""
  return $rc
}

# Sets $ccpu to the user+system seconds of this shell's waited-for children so far. Must not
# run in a subshell ($(...)): the times builtin there would count the subshell's children only.
children_cpu() {
  times >"$work/times"
  ccpu=$(awk 'NR == 2 {
    n = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); n += a[1] * 60 + substr(a[2], 1, length(a[2]) - 1) }
    printf "%.3f", n }' "$work/times")
}

# wrk_run LABEL URL SCRIPT SERVER_PID -- SCRIPT_ARGS...
# Warm-up (output kept apart), then the measured run; writes $work/LABEL.{warm,wrk,cpu}.
wrk_run() {
  local label=$1 url=$2 script=$3 spid=$4
  shift 5
  local warm_args=("$@") t0 t1
  if [[ "$label" == sinkhub* || "$label" == *lua* ]]; then warm_args=("$1" "${2}w"); fi  # new run ids
  server_alive "$label" "$spid" "$url"
  quiet_check
  echo "busy_before $pre_busy" >"$work/$label.cpu"
  if [[ "$WARMUP" -gt 0 ]]; then
    run_wrk "$work/$label.warm" -d"${WARMUP}s" -s "$script" "$url" -- "${warm_args[@]}" ||
      die "wrk warm-up against $label failed: $(tail -3 "$work/$label.warm")"
  else
    : >"$work/$label.warm"
  fi
  echo "load_before $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/$label.cpu"
  t0=$(cpu_ticks "$spid")
  local s0 s1
  s0=$(cpu_stat)
  local c0 c1 w0 w1
  children_cpu; c0=$ccpu; w0=$(date +%s.%N)
  run_wrk "$work/$label.wrk" -d"${DURATION}s" --latency -s "$script" "$url" -- "$@" ||
    die "wrk against $label failed: $(tail -3 "$work/$label.wrk")"
  w1=$(date +%s.%N); children_cpu; c1=$ccpu
  t1=$(cpu_ticks "$spid")
  s1=$(cpu_stat)
  echo "machine_busy $(busy_pct "$s0" "$s1")" >>"$work/$label.cpu"
  server_alive "$label" "$spid" "$url"
  echo "server_ticks $((t1 - t0))" >>"$work/$label.cpu"
  echo "wrk_time $(awk -v a="$w0" -v b="$w1" -v c="$c0" -v d="$c1" 'BEGIN { printf "%.3f %.3f 0", b - a, d - c }')" \
    >>"$work/$label.cpu"
}

# Parses wrk's text output: "rps p99_ms non2xx socket_errors requests".
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return -1
    }
    /^Requests\/sec:/                    { rps = $2 }
    /^ +99%/                             { p99 = ms($2) }
    /Non-2xx or 3xx responses:/          { non2xx = $NF }
    /^ +Socket errors:/                  { gsub(",", ""); sock = $4 + $6 + $8 + $10 }
    / requests in /                      { req = $1 }
    END { printf "%s %s %d %d %d\n", (rps == "" ? "-1" : rps), (p99 == "" ? "-1" : p99), non2xx, sock, req }
  ' "$1"
}
lua_field() {  # file key: a number from the "LUA ..." line unique.lua prints (0 when absent)
  local v
  v=$(sed -n "s/.*LUA .*\\b$2=\\([0-9]*\\).*/\\1/p" "$1" 2>/dev/null | tail -1)
  echo "${v:-0}"
}

# ---------------------------------------------------------------- the servers
payload() {  # run id
  printf '{"userId":"u1","createdAt":"2026-11-27T10:00:00.000Z","eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"actorA","actorRunId":"%s"},"resource":{"id":"%s","actId":"actorA","status":"SUCCEEDED","startedAt":"2026-11-27T09:59:00.000Z","finishedAt":"2026-11-27T10:00:00.000Z","defaultDatasetId":"ds1"}}' "$1" "$1"
}
post() {  # url secret run-id -> prints "CODE BODY"
  curl -s -m 5 -w ' %{http_code}' -X POST "$1" -H "X-Webhook-Secret: $2" -H 'Content-Type: application/json' \
    --data-binary "$(payload "$3")" | awk '{ code = $NF; $NF = ""; sub(/ $/, ""); print code, $0 }'
}

checks_failed=0
check() {  # condition-description ok(0/1)
  if [[ "$2" == 1 ]]; then echo "  ok    $1" >&2; else echo "  FAIL  $1" >&2; checks_failed=1; fi
}

# sinkhub LABEL SYNCHRONOUS
bench_sinkhub() {
  local label=$1 sync=$2 port dir pid url
  free_port
  dir="$work/$label"
  mkdir -p "$dir"
  cat >"$dir/sinkhub.yaml" <<EOF
# generated by bench/ingest/run.sh: no sinks and no routes, so no deliveries are planned
server:
  listen: "127.0.0.1:$port"
auth:
  secrets: ["$SECRET"]
ledger:
  path: $dir/ledger.db
  synchronous: $sync
EOF
  log "sinkhub (synchronous=$sync) on 127.0.0.1:$port"
  "$bin" serve --config "$dir/sinkhub.yaml" --log-level warn >"$dir/sinkhub.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  url="http://127.0.0.1:$port/apify-webhook"
  wait_http "$pid" "http://127.0.0.1:$port/healthz" ||
    die "sinkhub did not start on port $port: $(tail -5 "$dir/sinkhub.log")"
  local probe
  probe=$(post "$url" "$SECRET" probe-run)
  [[ "$probe" == "200 "*'"accepted"'* ]] || die "sinkhub did not accept a probe envelope: $probe"
  wrk_run "$label" "$url" "$here/unique.lua" "$pid" -- "$SECRET" "$label-$$"
  stop_server "$pid"
  local rows accepted_warm accepted_main lua_non2xx dup
  rows=$(sqlite3 "$dir/ledger.db" 'SELECT count(*) FROM events')
  accepted_warm=$(lua_field "$work/$label.warm" accepted)
  accepted_main=$(lua_field "$work/$label.wrk" accepted)
  lua_non2xx=$(lua_field "$work/$label.wrk" non2xx)
  dup=$(( $(lua_field "$work/$label.wrk" duplicate) + $(lua_field "$work/$label.warm" duplicate) ))
  local wrk_non2xx sock
  read -r _ _ wrk_non2xx sock _ <<<"$(parse_wrk "$work/$label.wrk")"
  echo "rows $rows" >>"$work/$label.cpu"
  echo "lua_non2xx $lua_non2xx" >>"$work/$label.cpu"
  log "checks for $label"
  check "every measured response was 2xx (Lua count: $lua_non2xx non-2xx; wrk: $wrk_non2xx non-2xx/3xx)" \
    "$([[ "$lua_non2xx" == 0 && "$wrk_non2xx" == 0 ]] && echo 1 || echo 0)"
  check "every 2xx was \"accepted\", none \"duplicate\" (duplicates: $dup)" "$([[ "$dup" == 0 ]] && echo 1 || echo 0)"
  check "ledger rows ($rows) >= probe + accepted (1 + $accepted_warm warm-up + $accepted_main measured)" \
    "$([[ "$rows" -ge $((1 + accepted_warm + accepted_main)) ]] && echo 1 || echo 0)"
  check "no socket errors (wrk: $sock)" "$([[ "$sock" == 0 ]] && echo 1 || echo 0)"
}

bench_express() {
  local label=express port pid url
  free_port
  log "express receiver on 127.0.0.1:$port"
  (cd "$here/express" && exec env NODE_ENV=production PORT="$port" WEBHOOK_SECRET="$SECRET" node server.js) \
    >"$work/express.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  url="http://127.0.0.1:$port/apify-webhook"
  wait_http "$pid" "http://127.0.0.1:$port/" || die "express receiver did not start: $(tail -5 "$work/express.log")"
  local a b c
  a=$(post "$url" "$SECRET" same-run); b=$(post "$url" "$SECRET" same-run); c=$(post "$url" wrong-secret-0123456789 x)
  [[ "$a" == "200 "*accepted* && "$b" == "200 "*duplicate* && "$c" == "401 "* ]] ||
    die "express receiver misbehaves: first=[$a] second=[$b] wrong-secret=[$c]"
  wrk_run "$label" "$url" "$here/static.lua" "$pid" -- "$SECRET" same-run
  stop_server "$pid"
}

# nginx LABEL SCRIPT: SCRIPT=static.lua (the ceiling) or unique.lua (informative: client cost)
bench_nginx() {
  local label=$1 script=$2 port dir pid url
  free_port
  dir="$work/$label"
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
# generated by bench/ingest/run.sh
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '{"status":"accepted"}';
    }
  }
}
EOF
  log "nginx ($label) on 127.0.0.1:$port"
  "$NGINX" -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  url="http://127.0.0.1:$port/apify-webhook"
  wait_http "$pid" "http://127.0.0.1:$port/" ||
    die "nginx did not start: $(tail -5 "$dir/stdout.log" "$dir/logs/error.log" 2>/dev/null)"
  local probe
  probe=$(post "$url" "$SECRET" probe-run)
  [[ "$probe" == "200 "*accepted* ]] || die "nginx did not answer 200 to a POST: $probe"
  if [[ "$script" == unique.lua ]]; then
    wrk_run "$label" "$url" "$here/unique.lua" "$pid" -- "$SECRET" "$label-$$"
  else
    wrk_run "$label" "$url" "$here/static.lua" "$pid" -- "$SECRET" same-run
  fi
  stop_server "$pid"
}

# ---------------------------------------------------------------- run
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "load average at start: $load_start (2 cores saturate at ~2; other work on the machine depresses every row)"

bench_sinkhub sinkhub full
[[ "$EXTRA" == 1 ]] && bench_sinkhub sinkhub-normal normal
bench_express
bench_nginx nginx static.lua
[[ "$EXTRA" == 1 ]] && bench_nginx nginx-lua unique.lua
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- summary
declare -A RPS P99 NON SOCK SCPU WCPU LOADB BUSY PREB
rows_order=(sinkhub)
[[ "$EXTRA" == 1 ]] && rows_order+=(sinkhub-normal)
rows_order+=(express nginx)
[[ "$EXTRA" == 1 ]] && rows_order+=(nginx-lua)
for l in "${rows_order[@]}"; do
  read -r "RPS[$l]" "P99[$l]" "NON[$l]" "SOCK[$l]" _ <<<"$(parse_wrk "$work/$l.wrk")"
  ln=$(lua_field "$work/$l.wrk" non2xx)
  if [[ "$ln" -gt "${NON[$l]}" ]]; then NON[$l]=$ln; fi
  ticks=$(awk '/^server_ticks/ { print $2 }' "$work/$l.cpu")
  read -r wall wu ws <<<"$(awk '/^wrk_time/ { print $2, $3, $4 }' "$work/$l.cpu")"
  SCPU[$l]=$(awk -v t="$ticks" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.0f", 100 * t / hz / w }')
  WCPU[$l]=$(awk -v u="$wu" -v s="$ws" -v w="$wall" 'BEGIN { printf "%.0f", 100 * (u + s) / w }')
  LOADB[$l]=$(awk '/^load_before/ { print $2 }' "$work/$l.cpu")
  BUSY[$l]=$(awk '/^machine_busy/ { print $2 }' "$work/$l.cpu")
  PREB[$l]=$(awk '/^busy_before/ { print $2 }' "$work/$l.cpu")
  [[ "${RPS[$l]}" == -1 ]] && die "could not parse wrk output for $l: $work/$l.wrk"
done

describe() {
  case $1 in
    sinkhub) echo "sinkhub, synchronous=full, unique run ids" ;;
    sinkhub-normal) echo "(info) sinkhub, synchronous=normal, unique run ids" ;;
    express) echo "Express receiver, same run id (duplicate path)" ;;
    nginx) echo "nginx, return 200" ;;
    nginx-lua) echo "(info) nginx, return 200, driven by sinkhub's Lua client" ;;
  esac
}

table=$(
  printf '| %-58s | %9s | %8s | %7s | %13s | %10s | %7s | %12s | %11s | %6s |\n' \
    "server (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s)" "req/s" "p99 ms" "non-2xx" "socket errors" \
    "server CPU" "wrk CPU" "machine busy" "busy before" "load"
  printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..10})" \
    "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..8})" "$(printf -- '-%.0s' {1..14})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..8})" "$(printf -- '-%.0s' {1..13})" \
    "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..7})"
  for l in "${rows_order[@]}"; do
    printf '| %-58s | %9.0f | %8.2f | %7d | %13d | %9s%% | %6s%% | %11s%% | %10s%% | %6s |\n' "$(describe "$l")" \
      "${RPS[$l]}" "${P99[$l]}" "${NON[$l]}" "${SOCK[$l]}" "${SCPU[$l]}" "${WCPU[$l]}" "${BUSY[$l]}" "${PREB[$l]}" \
      "${LOADB[$l]}"
  done
)

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
mark() { if "$@"; then echo met; else echo MISSED; fi; }

s=${RPS[sinkhub]} e=${RPS[express]} n=${RPS[nginx]}
t_express=$(mark ge "$s" "$(awk -v e="$e" 'BEGIN { print 2 * e }')")
t_nginx=$(mark ge "$s" "$(awk -v n="$n" 'BEGIN { print 0.25 * n }')")
t_p99=$(mark ge 10 "${P99[sinkhub]}")
t_non2xx=$(mark test "${NON[sinkhub]}" -eq 0 -a "${SOCK[sinkhub]}" -eq 0)
targets=$(
  echo "| target (sinkhub, synchronous=full) | measured | |"
  echo "|---|---|---|"
  echo "| >= 2x the Express receiver | $(ratio "$s" "$e")x | $t_express |"
  echo "| >= 25% of nginx | $(pct "$s" "$n") ($(ratio "$s" "$n")x) | $t_nginx |"
  echo "| p99 <= 10 ms | $(printf '%.2f' "${P99[sinkhub]}") ms | $t_p99 |"
  echo "| no non-2xx answers (nor socket errors) | ${NON[sinkhub]} non-2xx, ${SOCK[sinkhub]} socket errors | $t_non2xx |"
)
extra_ratios=""
if [[ "$EXTRA" == 1 ]]; then
  extra_ratios="synchronous=full vs normal: $(pct "$s" "${RPS[sinkhub-normal]}") of the normal rate; \
nginx with sinkhub's Lua client vs static client: $(pct "${RPS[nginx-lua]}" "$n")."
fi

quiet_note="The machine was idle before every row (busy before < 15%)."
for l in "${rows_order[@]}"; do
  if [[ "${PREB[$l]}" -ge 15 ]]; then
    quiet_note="**Not a quiet machine**: other work was running before at least one row (busy before >= 15%), which depresses that row; compare rows with care, or re-run with WAIT_IDLE=300."
  fi
done
fstype=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
express_version=$(node -p "require('$here/express/node_modules/express/package.json').version")
git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
git_dirty=$(git -C "$root" status --porcelain 2>/dev/null | grep -qv '^?? bench/' && echo " (+ uncommitted changes)" || true)
sinkhub_version=$("$bin" version 2>&1 | head -1)
sinkhub_sha=$(sha256sum "$bin" | cut -c1-12)
cmd="DURATION=$DURATION WARMUP=$WARMUP EXTRA=$EXTRA"
[[ "$WAIT_IDLE" != 0 ]] && cmd+=" WAIT_IDLE=$WAIT_IDLE"
[[ -n "${SINKHUB_BIN:-}" ]] && cmd+=" SINKHUB_BIN=$SINKHUB_BIN"
cmd+=" bench/ingest/run.sh"
model=$(lscpu | grep -m1 '^Model name:' | sed 's/  */ /g')

report=$(cat <<EOF
## Ingest - $started

- Command: \`$cmd\` (from the repository root)
- Machine: nproc $(nproc); kernel $(uname -r); $model; ledger on $fstype ($work)
- Load average (1/5/15 min) at start: $load_start; at end: $load_end
- Versions: sinkhub \`$sinkhub_version\` (binary sha256 $sinkhub_sha, git $git_rev$git_dirty); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'); node $(node --version), express $express_version
- wrk and the server share the same $(nproc) cores. sinkhub is driven by a Lua \`request()\`/\`response()\` client (a new run id per request, every answer checked); the baselines by wrk's cached static request, the cheapest client. "server CPU" / "wrk CPU" are each process's user+system time over the measured run (100% = one core; the kernel's loopback TCP work done in softirq is charged to neither); "machine busy" is the share of all $(nproc) cores not idle during the run, whoever used them; "busy before" the same over the 2 s before the row's warm-up (with the server started and idle: anything well above 0% is someone else's work); "load" is the 1-minute load average just before the measured run (it lags, and includes this script's warm-up).

$table

$quiet_note

$targets

Ratios: sinkhub/express $(ratio "$s" "$e")x, sinkhub/nginx $(ratio "$s" "$n")x ($(pct "$s" "$n")). $extra_ratios
EOF
)

echo
echo "$report"
echo

if [[ "$RESULTS" != "-" ]]; then
  if [[ ! -f "$RESULTS" ]]; then
    cat >"$RESULTS" <<'EOF'
# Benchmark results

Each section is one invocation of a script in bench/ (see bench/README.md), newest last.
Absolute numbers depend on the machine and on whatever else it was doing: what carries over
is the ratio against the baselines measured in the same invocation, on the same cores.
EOF
  fi
  printf '\n%s\n' "$report" >>"$RESULTS"
  log "results appended to $RESULTS"
fi

if [[ "$checks_failed" != 0 ]]; then
  echo "run.sh: a correctness check failed (see FAIL above)" >&2
  exit 3
fi
if [[ "$STRICT" == 1 && "$t_express$t_nginx$t_p99$t_non2xx" == *MISSED* ]]; then exit 4; fi
exit 0
