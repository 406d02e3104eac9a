# Helpers shared by the benchmark scripts (sourced by bench/*/run.sh).

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cpu_stat() { head -1 /proc/stat; }  # "cpu user nice system idle iowait irq softirq steal ..."
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
busy_pct() {  # before after: share of all cores busy between two cpu_stat lines
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); tot = 0
    for (i = 2; i <= 9 && i <= n; i++) tot += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.0f", (tot > 0 ? 100 * (tot - idle) / tot : 0) }'
}

# A fresh directory for a run's plugin copies. Not under $TMPDIR: sinkhub loads plugins only
# from directories nobody else can write, and a sticky /tmp is refused too (README, "Plugins").
# BENCH_PLUGIN_PARENT overrides the parent, which must be trusted the same way.
bench_plugin_dir() {  # name -> prints the directory; the caller removes it
  local parent=${BENCH_PLUGIN_PARENT:-$root/build/bench-plugins}
  mkdir -p "$parent" && chmod go-w "$parent" && mktemp -d "$parent/$1.XXXXXX"
}
