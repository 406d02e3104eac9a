#!/usr/bin/env python3
"""The sinkhub soak (issue 15): the real daemon on 127.0.0.1 under mixed webhooks for N minutes,
delivering to every shipped sink through fault-injecting proxies, killed with SIGKILL and
restarted K times; then drained and checked. See bench/README.md; run it through run.sh."""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import checks  # noqa: E402
from harness import Daemon, Harness  # noqa: E402
from sinks import SINKS as ALL_SINKS  # noqa: E402

SINKS = []  # the sinks of this run: those of ALL_SINKS the build has
from traffic import DATASETS, ITEM_BYTES, Traffic, dataset_id  # noqa: E402

SECRET = "soak-webhook-secret-7f3a9c1e5b2d4f60"
APIFY_TOKEN = "apify_api_soakToken0123456789abcdef"
MAX_BODY = 262144
READ_TIMEOUT_MS = 3000
PAGE_SIZE = 200


def yaml_value(v):
    return json.dumps(v) if isinstance(v, (str, bool, int, float)) else json.dumps(v)


def write_config(h, sinks, port, apify_port, workers):
    lines = [
        "server:", f"  listen: 127.0.0.1:{port}", "  path: /apify-webhook", f"  max_body_bytes: {MAX_BODY}",
        f"  read_timeout_ms: {READ_TIMEOUT_MS}", "  max_connections: 256",
        "auth:", f"  secrets: [{json.dumps(SECRET)}]",
        "apify:", f"  base_url: http://127.0.0.1:{apify_port}", f"  token: {json.dumps(APIFY_TOKEN)}",
        f"  page_size: {PAGE_SIZE}",
        "ledger:", f"  path: {h.path('ledger/sinkhub.db')}", "  synchronous: full",
        # Retries must end within the drain: short backoff, a budget that transient faults
        # cannot exhaust; random kill -9 from outside is not a crashing plugin (the crash-loop
        # guard has its own tests), so max_crashes is at its maximum.
        "delivery:", f"  workers: {workers}", "  max_attempts: 200", "  max_age: 24h", "  backoff_initial: 500ms",
        "  backoff_max: 10s", "  fatal_backoff: 5s", "  batch_timeout: 60s", "  shutdown_grace: 5s",
        "  lease: 5s", "  max_crashes: 100",
        "plugins:", f"  dirs: [{json.dumps(os.path.join(h.build, 'plugins'))}]", f"  data_dir: {h.path('sinks')}",
        "sinks:",
    ]
    for s in sinks:
        lines.append(f"  {s.name}:")
        lines.append(f"    plugin: {s.plugin}")
        for k, v in s.options(h).items():
            lines.append(f"    {k}: {yaml_value(v)}")
    lines.append("routes:")
    for s in sinks:
        lines += [f"  - name: to-{s.name}", f"    actors: {json.dumps(s.route['actors'])}",
                  f"    events: {json.dumps(s.route['events'])}", f"    sinks: [{s.name}]"]
    path = h.path("sinkhub.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def kill_schedule(rng, duration, kills):
    """`kills` instants spread over the load (one in each equal slot, at a random point of it)."""
    if kills == 0:
        return []
    lo, hi = 0.04 * duration, 0.94 * duration
    slot = (hi - lo) / kills
    return [lo + i * slot + rng.uniform(0.1, 0.9) * slot for i in range(kills)]


class Sampler(threading.Thread):
    def __init__(self, daemon, ledger_path, t0):
        super().__init__(daemon=True)
        self.d, self.ledger, self.t0 = daemon, ledger_path, t0
        self.rss, self.db, self.wal, self.load = [], [], [], []
        self.stop = threading.Event()

    @staticmethod
    def size(p):
        try:
            return os.path.getsize(p)
        except OSError:
            return 0

    def run(self):
        while not self.stop.wait(2):
            t = time.time() - self.t0
            r = self.d.rss_kib() if self.d.alive() else None
            if r:
                self.rss.append((t, r, self.d.starts))
            self.db.append((t, self.size(self.ledger)))
            self.wal.append((t, self.size(self.ledger + "-wal")))
            self.load.append(os.getloadavg()[0])


def drain(daemon, deadline):
    last = {}
    while time.time() < deadline:
        rc, out, err = daemon.cli("status", "--json")
        if rc == 0:
            last = json.loads(out)["deliveries"]
            if all(last.get(s, 0) == 0 for s in ("pending", "running", "retrying")):
                return True, last
        time.sleep(5)
    return False, last


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--rate", type=float, default=8, help="webhook requests per second (all kinds)")
    p.add_argument("--faults", default="error=0.05,drop=0.02,lost=0.01,cut=0.01,slow=0.04")
    p.add_argument("--drain-minutes", type=float, default=30)
    p.add_argument("--workers", type=int, default=8,
                   help="delivery.workers: a worker waits out slow answers and retry delays, so more than cores")
    p.add_argument("--rss-limit-mib", type=float, default=512)
    p.add_argument("--ledger-bytes-per-event", type=int, default=32768)
    p.add_argument("--wal-limit-mib", type=float, default=128)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--build", default=os.environ.get("SINKHUB_BUILD_DIR", "build"))
    p.add_argument("--work", default=None)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--results", default="-", help="append the report to this file ('-': stdout only)")
    p.add_argument("--command", default=" ".join(sys.argv))
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(HERE))
    build = os.path.abspath(os.path.join(root, a.build))
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = a.work or tempfile.mkdtemp(prefix="sinkhub-soak.")
    os.makedirs(work, exist_ok=True)
    binary = os.path.join(work, "sinkhub")
    shutil.copy2(os.path.join(build, "sinkhub"), binary)  # a rebuild during the run changes nothing
    h = Harness(root, HERE, work, build, a.faults, seed)
    global SINKS
    SINKS = [s for s in ALL_SINKS if s.available(build)]
    failed = []
    daemon = None
    try:
        log(f"work dir {work}, seed {seed}")
        apify = h.spawn("fake_apify", [os.path.join(build, "fake_apify"), "--port", "0",
                                       "--token", APIFY_TOKEN]
                        + [x for n in DATASETS for x in ("--dataset", f"{dataset_id(n)}:{n}:{ITEM_BYTES}")],
                        ready="print")
        apify_proxy = h.proxy("apify", apify, "apify")
        for s in SINKS:
            s.start(h)
        port = h.free_port()
        config = write_config(h, SINKS, port, apify_proxy, a.workers)
        daemon = Daemon(h, binary, config, port)
        rc, out, err = daemon.cli("check-config")
        if rc != 0:
            raise RuntimeError(f"check-config refused the soak config:\n{err}")
        daemon.start()
        t0 = time.time()
        sampler = Sampler(daemon, h.path("ledger/sinkhub.db"), t0)
        sampler.start()
        traffic = Traffic(port, "/apify-webhook", SECRET, MAX_BODY, READ_TIMEOUT_MS, a.rate, seed)
        traffic.start()
        duration = a.minutes * 60
        kills, restarts = kill_schedule(rng, duration, a.kills), []
        for at in kills:
            time.sleep(max(0, t0 + at - time.time()))
            daemon.kill9()
            down = rng.uniform(0.2, 3)
            time.sleep(down)
            up = daemon.start()
            restarts.append((time.time() - t0, down, up))
            log(f"kill -9 #{len(restarts)} at {restarts[-1][0]:.0f}s, down {down:.1f}s, /healthz after {up:.2f}s")
        time.sleep(max(0, t0 + duration - time.time()))
        log("load done; acknowledging the rest")
        traffic.finish()
        t_load = time.time() - t0
        unacked = traffic.ack_remaining(time.time() + 180)
        if unacked:
            failed.append(f"{len(unacked)} webhooks never acknowledged after the load: {', '.join(unacked[:5])}")
        with open(h.path("traffic.json"), "w") as f:  # the client's view, for a post-mortem
            json.dump({"runs": [{"run_id": r.run_id, "actor_id": r.actor_id, "event_type": r.event_type,
                                 "dataset_id": r.dataset_id, "items": r.items, "poison": r.poison,
                                 "acked": r.acked, "event_id": r.event_id, "sends": r.sends}
                                for r in traffic.runs.values()],
                       "hostile_ids": traffic.hostile_ids, "restarts": restarts}, f)
        log("draining")
        t_drain0 = time.time()
        drained, states = drain(daemon, time.time() + a.drain_minutes * 60)
        t_drain = time.time() - t_drain0
        if not drained:
            failed.append(f"not drained within {a.drain_minutes} min: {states}")
        sampler.stop.set()
        sampler.join()
        log("checking")
        notes_l, v_l, _ = checks.check_ledger(daemon, traffic, SINKS)
        notes_o, v_o = checks.check_outputs(h, daemon, traffic, SINKS, len(restarts))
        failed += traffic.violations + v_l + v_o
        code, took = daemon.terminate(timeout=5 + READ_TIMEOUT_MS / 1000 + 2 + 10)
        if code != 0:
            failed.append(f"SIGTERM at the end: exit status {code} after {took:.1f}s (want 0)")
        failed += check_logs(daemon.log)
        report = render(a, seed, work, build, traffic, restarts, sampler, t_load, t_drain, states,
                        notes_l, notes_o, failed, code, took, h)
        print(report)
        if a.results != "-":
            with open(a.results, "a") as f:
                f.write("\n" + report)
    except KeyboardInterrupt:
        failed.append("interrupted")
    except Exception as e:
        failed.append(f"soak error: {type(e).__name__}: {e}")
        import traceback
        traceback.print_exc()
    finally:
        if daemon and daemon.alive():
            daemon.kill9()
        h.stop_all()
    if failed:
        print("\nSOAK FAILED:", file=sys.stderr)
        for f in failed[:100]:
            print(f"  - {f}", file=sys.stderr)
        print(f"  (logs and data kept in {work})", file=sys.stderr)
        return 1
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def check_logs(path):
    text = open(path, errors="replace").read()
    bad = []
    for secret in (SECRET, APIFY_TOKEN, "soakSlackToken0123456789"):
        if secret in text:
            bad.append(f"a secret ({secret[:6]}…) appears in the daemon's log")
    for marker in ("AddressSanitizer", "runtime error:", "fatal signal", "terminate called"):
        if marker in text:
            bad.append(f"the daemon's log contains '{marker}'")
    return bad


def log(msg):
    print(f"== soak: {msg}", file=sys.stderr, flush=True)


def render(a, seed, work, build, traffic, restarts, sampler, t_load, t_drain, states, notes_l, notes_o,
           failed, code, took, h):
    from collections import Counter
    total = Counter()
    for kind, c in traffic.answers.items():
        total.update({kind: sum(c.values())})
    rss = [r for _, r, _ in sampler.rss]
    per_start = {}
    for _, r, n in sampler.rss:
        per_start[n] = max(per_start.get(n, 0), r)
    load_rss = [(t, r) for t, r, _ in sampler.rss if t <= t_load]
    q = max(1, len(load_rss) // 4)
    first_q = sum(r for _, r in load_rss[:q]) / q / 1024 if load_rss else 0
    last_q = sum(r for _, r in load_rss[-q:]) / q / 1024 if load_rss else 0
    db_final = sampler.db[-1][1] if sampler.db else 0
    wal_max = max((w for _, w in sampler.wal), default=0)
    acked = sum(1 for r in traffic.runs.values() if r.acked)
    per_event = db_final / acked if acked else 0
    if rss and max(rss) / 1024 > a.rss_limit_mib:
        failed.append(f"RSS peaked at {max(rss) / 1024:.0f} MiB, over {a.rss_limit_mib:.0f} MiB")
    if per_event > a.ledger_bytes_per_event:
        failed.append(f"ledger {per_event:.0f} bytes per event, over {a.ledger_bytes_per_event}")
    if wal_max > a.wal_limit_mib * 1048576:
        failed.append(f"WAL peaked at {wal_max / 1048576:.1f} MiB, over {a.wal_limit_mib:.0f} MiB")
    loads = sampler.load
    lines = [
        f"## Soak - {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}", "",
        f"- Command: `{a.command}` (from the repository root); seed {seed}",
        f"- Machine: nproc {os.cpu_count()}; load average (1 min) during the run: min {min(loads, default=0):.1f}, "
        f"median {sorted(loads)[len(loads) // 2] if loads else 0:.1f}, max {max(loads, default=0):.1f} "
        "(shared machine: affects throughput, not the invariants)",
        f"- Binary: {os.path.join(build, 'sinkhub')} (copied); plugins {os.path.join(build, 'plugins')}; "
        f"sinks: {', '.join(s.name for s in SINKS)}",
        f"- Load {t_load / 60:.1f} min at ~{a.rate:g} requests/s, then drain {t_drain:.0f} s; "
        f"{a.workers} delivery workers; "
        f"faults per proxied request: `{a.faults}`",
        f"- kill -9/restart cycles: {len(restarts)}; /healthz after restart: median "
        f"{sorted(u for _, _, u in restarts)[len(restarts) // 2] if restarts else 0:.2f} s, max "
        f"{max((u for _, _, u in restarts), default=0):.2f} s",
        "", "Webhook requests sent, by kind (answers):", "",
        "| kind | sent | answers |", "|---|---:|---|",
    ]
    for kind in sorted(traffic.answers):
        c = traffic.answers[kind]
        lines.append(f"| {kind} | {total[kind]} | " + ", ".join(f"{k}: {n}" for k, n in sorted(c.items(), key=str)) + " |")
    lines += ["", "Ledger:", ""] + notes_l
    ap = h.fault_stats("apify")
    lines += [f"- Apify API through the fault proxy: {ap.get('requests', 0)} requests; faults: {checks.fault_summary(ap)}",
              "", "Destinations (every acknowledged run wanted by the sink's route):", "",
              "| sink | effect-once | runs | holds | runs missing | duplicates | proxied requests | faults injected |",
              "|---|---|---:|---:|---:|---:|---:|---|"] + notes_o
    lines += ["", "Resources:", "",
              f"- daemon RSS: max {max(rss, default=0) / 1024:.1f} MiB over {len(rss)} samples (every 2 s); "
              f"per-start peaks (MiB): {' '.join(f'{v / 1024:.0f}' for _, v in sorted(per_start.items()))}",
              f"- RSS trend during the load: mean of the first quarter {first_q:.1f} MiB, last quarter {last_q:.1f} MiB; "
              f"least-squares slope {checks.trend(load_rss):+.1f} MiB/h (limit checked: max <= {a.rss_limit_mib:.0f} MiB)",
              f"- ledger: {db_final / 1048576:.1f} MiB at the end for {acked} events ({per_event:.0f} bytes/event, "
              f"limit {a.ledger_bytes_per_event}); WAL max {wal_max / 1048576:.1f} MiB (limit {a.wal_limit_mib:.0f} MiB); "
              f"ledger.retention at its defaults (done 30d, dead 90d, dedup keys 14d): nothing is old enough to be pruned "
              f"within the soak, so the ledger grows with the events (pruning: the prune benchmark)",
              f"- SIGTERM at the end: exit status {code} after {took:.1f} s", ""]
    lines.append("Result: " + ("**all invariants held**" if not failed else f"**FAILED** ({len(failed)} violations):"))
    for f in failed[:30]:
        lines.append(f"- {f}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
