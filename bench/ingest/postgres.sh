#!/usr/bin/env bash
# bench/ingest/postgres.sh - durable webhook acknowledgements per second and p99 with the
# PostgreSQL ledger (ledger.url), beside the SQLite ledger, in one invocation on one machine:
#   1. sqlite       one daemon, ledger.path, synchronous=full (the default deployment);
#   2. postgresql   one daemon, ledger.url on a PostgreSQL started here (fsync and
#                   synchronous_commit on: every 200 is on disk, as with SQLite);
#   3. postgresql2  two daemons on that database, each driven by its own wrk with half the
#                   connections (as a load balancer would spread them); req/s is the sum,
#                   p99 the worse of the two.
# Every request is a new Apify envelope (unique.lua), so every 200 is a new insert; no sinks,
# no routes. Each row gets a warm-up (WARMUP s), then wrk -t2 -c64 (in total) for DURATION s.
#
# Usage: bench/ingest/postgres.sh   (needs scripts/install-deps.sh --bench --test and a built
#   sinkhub). Environment: SINKHUB_BIN (default <repo>/build/sinkhub), DURATION (15), WARMUP (3),
#   RESULTS (default <repo>/bench/RESULTS.md; "-" records nothing), KEEP=1 keeps the temp dir.
#   As root, PostgreSQL runs as the system user sinkhub-pgtest (created if missing), like the
#   tests' server (tests/support/postgres.hpp).
# Exit status: 0 done; 1 setup problem or a server died; 3 a check failed (non-2xx answers,
# socket errors, or fewer ledger rows than accepted requests).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
KEEP=${KEEP:-0}
RESULTS=${RESULTS:-$root/bench/RESULTS.md}
SECRET=bench-secret-0123456789abcdef012
PGPASS=bench-pg-password-0123456789
[[ "$DURATION" =~ ^[1-9][0-9]*$ && "$DURATION" -le 600 ]] || die "DURATION must be 1..600 seconds"
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -le 60 ]] || die "WARMUP must be 0..60 seconds"
for tool in wrk curl sqlite3 psql; do command -v "$tool" >/dev/null || die "'$tool' not found: scripts/install-deps.sh --bench --test"; done
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$pgbin/postgres" ]] || die "no PostgreSQL server under /usr/lib/postgresql: scripts/install-deps.sh --test"
bin_src=${SINKHUB_BIN:-$root/build/sinkhub}
[[ -x "$bin_src" ]] || die "no sinkhub binary at $bin_src"

work=$(mktemp -d /tmp/sinkhub-bench-pg.XXXXXX)
chmod 755 "$work"
bin="$work/sinkhub"
cp "$bin_src" "$bin"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ "$KEEP" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  id sinkhub-pgtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sinkhub-pgtest
  as_pg=(runuser -u sinkhub-pgtest --)
fi
next_port=0
free_port() {  # sets $port
  port=$((20000 + RANDOM % 20000 + next_port++))
  while port_in_use "$port"; do port=$((port + 1)); done
}

start_postgres() {
  mkdir -p "$work/pg"
  printf '%s\n' "$PGPASS" >"$work/pg.pw"
  [[ ${#as_pg[@]} -gt 0 ]] && chown -R sinkhub-pgtest "$work/pg" "$work/pg.pw"
  "${as_pg[@]}" "$pgbin/initdb" -D "$work/pg/data" -U sinkhub --pwfile="$work/pg.pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || die "initdb failed: $(tail -3 "$work/initdb.log")"
  free_port
  pgport=$port
  "${as_pg[@]}" "$pgbin/postgres" -D "$work/pg/data" -p "$pgport" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories="$work/pg" -c max_connections=100 >"$work/postgres.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do
    PGPASSWORD=$PGPASS psql -h 127.0.0.1 -p "$pgport" -U sinkhub -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "PostgreSQL did not start: $(tail -3 "$work/postgres.log")"
}
pg_sql() { PGPASSWORD=$PGPASS psql -h 127.0.0.1 -p "$pgport" -U sinkhub -d "$1" -qAtc "$2"; }

start_daemon() {  # dir ledger-yaml: sets $url, $pid
  local dir=$1
  free_port
  mkdir -p "$dir"
  printf 'server:\n  listen: "127.0.0.1:%s"\nauth:\n  secrets: ["%s"]\nledger:\n%s\n' "$port" "$SECRET" "$2" \
    >"$dir/sinkhub.yaml"
  SINKHUB_BENCH_PGPASS=$PGPASS "$bin" serve --config "$dir/sinkhub.yaml" --log-level warn >"$dir/sinkhub.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  url="http://127.0.0.1:$port/apify-webhook"
  for _ in $(seq 100); do curl -sf -m 1 "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.1; done
  die "sinkhub did not become ready: $(tail -5 "$dir/sinkhub.log")"
}

wrk_on() {  # label connections url: warm-up, then the measured run into $work/label.wrk
  wrk -t1 -c"$2" --timeout 2s -d"${WARMUP}s" -s "$here/unique.lua" "$3" -- "$SECRET" "$1-w$$" >/dev/null 2>&1 || true
  wrk -t1 -c"$2" --timeout 2s -d"${DURATION}s" --latency -s "$here/unique.lua" "$3" -- "$SECRET" "$1-$$" \
    >"$work/$1.wrk" 2>&1
}
field() { awk -v k="$2" '
  function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return -1 }
  k == "rps" && /^Requests\/sec:/ { print $2 } k == "p99" && /^ +99%/ { print ms($2) }
  k == "non2xx" && /Non-2xx/ { print $NF } k == "sock" && /Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }
  k == "accepted" && /^LUA / { for (i = 1; i <= NF; i++) if ($i ~ /^accepted=/) print substr($i, 10) }' "$work/$1.wrk"; }

failed=0
check_row() {  # label rows-in-ledger wrk-labels...
  local label=$1 rows=$2 accepted=0 l
  shift 2
  for l in "$@"; do
    accepted=$((accepted + $(field "$l" accepted | head -1)))
    [[ -z "$(field "$l" non2xx)" && "$(field "$l" sock | head -1)" =~ ^0?$ ]] || { echo "FAIL $label: errors in $l" >&2; failed=1; }
  done
  [[ "$rows" -ge "$accepted" ]] || { echo "FAIL $label: $rows ledger rows < $accepted accepted" >&2; failed=1; }
}

log "sqlite: one daemon, synchronous=full"
start_daemon "$work/sqlite" "  path: $work/sqlite/ledger.db"$'\n'"  synchronous: full"
wrk_on sqlite 64 "$url"
kill "$pid"; wait "$pid" || true
check_row sqlite "$(sqlite3 "$work/sqlite/ledger.db" 'SELECT count(*) FROM events')" sqlite

start_postgres
pg_url="postgresql://sinkhub:\${env:SINKHUB_BENCH_PGPASS}@127.0.0.1:$pgport"
for db in one two; do pg_sql postgres "CREATE DATABASE $db"; done
log "postgresql: one daemon"
start_daemon "$work/pg1" "  url: \"$pg_url/one\""$'\n'"  pool: 8"
wrk_on postgresql 64 "$url"
kill "$pid"; wait "$pid" || true
check_row postgresql "$(pg_sql one 'SELECT count(*) FROM events')" postgresql

log "postgresql2: two daemons on one database"
start_daemon "$work/pg2a" "  url: \"$pg_url/two\""$'\n'"  pool: 8"
url_a=$url pid_a=$pid
start_daemon "$work/pg2b" "  url: \"$pg_url/two\""$'\n'"  pool: 8"
wrk_on postgresql2a 32 "$url_a" & wa=$!
wrk_on postgresql2b 32 "$url" & wb=$!
wait "$wa" "$wb"
kill "$pid_a" "$pid"; wait "$pid_a" "$pid" || true
check_row postgresql2 "$(pg_sql two 'SELECT count(*) FROM events')" postgresql2a postgresql2b

rps2=$(awk -v a="$(field postgresql2a rps)" -v b="$(field postgresql2b rps)" 'BEGIN { printf "%.0f", a + b }')
p992=$(awk -v a="$(field postgresql2a p99)" -v b="$(field postgresql2b p99)" 'BEGIN { print (a > b ? a : b) }')
table=$(cat <<EOF
| ledger | daemons | req/s | p99 ms | vs sqlite |
|---|---|---|---|---|
| sqlite (synchronous=full) | 1 | $(field sqlite rps) | $(field sqlite p99) | 1.00 |
| postgresql (synchronous_commit on) | 1 | $(field postgresql rps) | $(field postgresql p99) | $(ratio "$(field postgresql rps)" "$(field sqlite rps)") |
| postgresql, one database | 2 | $rps2 | $p992 | $(ratio "$rps2" "$(field sqlite rps)") |
EOF
)
echo "$table"
if [[ "$RESULTS" != "-" ]]; then
  {
    echo
    echo "## $(date -u +%Y-%m-%dT%H:%MZ) ingest, PostgreSQL ledger beside SQLite (bench/ingest/postgres.sh)"
    echo
    echo "DURATION=${DURATION}s, WARMUP=${WARMUP}s, $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "$table"
  } >>"$RESULTS"
fi
[[ "$failed" == 0 ]] || exit 3
