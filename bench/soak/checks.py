"""The soak's invariants, checked after the drain against the ledger (through the CLI), the
destinations and the samples. Each returns (lines for the report, violations)."""
import json
import re
import statistics
from collections import Counter, defaultdict

HOSTILE_RE = re.compile(r"HX[0-9]{7}[A-Za-z0-9]{8}")


def ledger_deliveries(daemon):
    rc, out, err = daemon.cli("deliveries", "--json", "--limit", "100000000", timeout=600)
    if rc != 0:
        raise RuntimeError(f"sinkhub deliveries --json failed ({rc}): {err.strip()}")
    by_run = defaultdict(list)
    for d in json.loads(out):
        by_run[d["run_id"]].append(d)
    return by_run


def event_of(daemon, run_id):
    rc, out, err = daemon.cli("events", "show", run_id, "--json")
    if rc != 0:
        return None
    evs = json.loads(out)
    return evs if evs else None


def check_ledger(daemon, traffic, sinks):
    """Every acknowledged webhook is in the ledger with one delivery per sink its routes want;
    no refused request left a trace; every delivery is done, or dead for a real refusal."""
    v, notes = [], []
    by_run = ledger_deliveries(daemon)
    acked = [r for r in traffic.runs.values() if r.acked]
    lost, planned, states, dead_ok = [], 0, Counter(), 0
    for run in acked:
        dels = by_run.get(run.run_id, [])
        if not dels and not event_of(daemon, run.run_id):
            lost.append(run.run_id)
            continue
        for s in sinks:
            if not s.wants(run):
                continue
            mine = [d for d in dels if d["sink"] == s.name]
            planned += 1
            if len(mine) != 1:
                v.append(f"{run.run_id}: {len(mine)} deliveries to {s.name} (want 1)")
                continue
            d = mine[0]
            states[d["state"]] += 1
            if run.event_id is not None and d["event"] != run.event_id:
                v.append(f"{run.run_id}: delivery {d['id']} belongs to event {d['event']}, the 200 said {run.event_id}")
            if run.poison:
                if d["state"] != "dead" or not re.search(r"404|not found|not-found", d["last_error"], re.I):
                    v.append(f"{run.run_id} ({s.name}, dataset missing in Apify): {d['state']}, "
                             f"'{d['last_error'][:160]}' (want dead with Apify's 404)")
                else:
                    dead_ok += 1
            elif d["state"] != "done":
                v.append(f"delivery {d['id']} ({run.run_id} -> {s.name}) {d['state']} after the drain, "
                         f"{d['attempts']} attempts: {d['last_error'][:200]}")
            elif s.kind == "items" and d["with_items"] and d["items_done"] != run.items:
                v.append(f"delivery {d['id']} ({run.run_id} -> {s.name}) done with {d['items_done']} items of {run.items}")
    if lost:
        v.append(f"{len(lost)} acknowledged webhooks not in the ledger: {', '.join(lost[:10])}")
    hostile = sorted(set(r for r in by_run if HOSTILE_RE.fullmatch(r)))
    sample = traffic.hostile_ids[:: max(1, len(traffic.hostile_ids) // 25)]
    hostile += [rid for rid in sample if event_of(daemon, rid)]
    if hostile:
        v.append(f"refused requests left events in the ledger: {', '.join(hostile[:10])}")
    unknown = [r for r in by_run if r not in traffic.runs and not HOSTILE_RE.fullmatch(r)]
    if unknown:
        v.append(f"ledger holds runs the soak never sent: {', '.join(unknown[:10])}")
    notes.append(f"- acknowledged unique webhooks: {len(acked)} (of {len(traffic.runs)} sent); "
                 f"in the ledger: {len(acked) - len(lost)}; refused requests in the ledger: {len(hostile)} "
                 f"(all {len(traffic.hostile_ids)} hostile run ids checked in `deliveries`, {len(sample)} by `events show`)")
    notes.append(f"- planned deliveries: {planned}; states after the drain: "
                 + ", ".join(f"{k} {n}" for k, n in sorted(states.items()))
                 + f"; dead for a real refusal (Apify 404 on a missing dataset): {dead_ok}")
    return notes, v, by_run


def crashed_attempts(daemon, run_id, sink):
    evs = event_of(daemon, run_id) or []
    n = 0
    for e in evs:
        for d in e.get("deliveries", []):
            if d["sink"] == sink:
                n += sum(1 for a in d.get("attempts_history", []) if a["outcome"] in ("crashed", "stuck", "abandoned"))
    return n


def check_outputs(h, daemon, traffic, sinks, kills):
    """What each destination holds, run by run: every item exactly once in effect-once sinks;
    messages at most once more per lost answer or crash in the others."""
    v, notes = [], []
    for s in sinks:
        seen, problems = s.observe(h)
        v += problems[:20]
        lost_answers = Counter()
        for f in h.faults(s.name):
            if f["kind"] in ("lost", "cut"):
                for r in f["runs"]:
                    lost_answers[r] += 1
        runs = [r for r in traffic.runs.values() if r.acked and s.wants(r)]
        dup_items = dup_msgs = missing_runs = allowed = 0
        for run in runs:
            got = seen.get(run.run_id)
            if run.poison:
                if got:
                    v.append(f"{s.name}: holds {len(got)} entries for {run.run_id}, whose dataset does not exist")
                continue
            if s.kind == "items":
                if got is None:
                    if run.items:  # an empty dataset may leave no object
                        missing_runs += 1
                        v.append(f"{s.name}: nothing for {run.run_id} ({run.items} items)")
                    continue
                c = Counter(got)
                missing = [i for i in range(run.items) if c[i] == 0]
                extra = [i for i in c if not (isinstance(i, int) and 0 <= i < run.items)]
                dups = sum(n - 1 for n in c.values() if n > 1)
                dup_items += dups
                if missing or extra:
                    v.append(f"{s.name}: {run.run_id}: {len(missing)} items missing, {len(extra)} foreign "
                             f"(of {run.items})")
                if dups and s.effect_once:
                    v.append(f"{s.name} (effect-once): {run.run_id}: {dups} items twice")
                elif dups:
                    allow = (lost_answers[run.run_id] + crashed_attempts(daemon, run.run_id, s.name)) * s.batch_items
                    allowed += allow
                    if dups > allow:
                        v.append(f"{s.name}: {run.run_id}: {dups} duplicate items, more than {allow} "
                                 f"(one batch per lost answer or crash)")
            else:
                if not got:
                    missing_runs += 1
                    v.append(f"{s.name}: no message for {run.run_id}")
                    continue
                if run.status == "SUCCEEDED" and any(n != run.items for n in got if n is not None):
                    v.append(f"{s.name}: {run.run_id}: a message says {got} items, the run has {run.items}")
                extra = len(got) - 1
                dup_msgs += extra
                if extra and s.effect_once:
                    v.append(f"{s.name} (effect-once): {run.run_id}: {len(got)} messages")
                elif extra:
                    allow = lost_answers[run.run_id] + crashed_attempts(daemon, run.run_id, s.name)
                    allowed += allow
                    if extra > allow:
                        v.append(f"{s.name}: {run.run_id}: {len(got)} messages; allowed 1 + {allow} "
                                 f"(lost answers {lost_answers[run.run_id]} + crashed attempts)")
        known = set(traffic.runs)
        stray = [r for r in seen if r not in known]
        if stray:
            v.append(f"{s.name}: output for runs never sent: {', '.join(stray[:5])}")
        st = h.fault_stats(s.name)
        what = "messages" if s.kind == "messages" else "items"
        notes.append(f"| {s.name} | {'yes' if s.effect_once else 'no'} | {len(runs)} | "
                     f"{sum(len(x) for x in seen.values())} {what} | {missing_runs} | "
                     f"{dup_msgs if s.kind == 'messages' else dup_items} (allowed {allowed}) | "
                     f"{st.get('requests', '-')} | {fault_summary(st) if st else 'none (no network)'} |")
    return notes, v


def fault_summary(st):
    return ", ".join(f"{k} {st.get(k, 0)}" for k in ("error", "drop", "lost", "cut", "slow"))


def trend(samples):
    """Least-squares slope (MiB per hour) of RSS over the samples (t seconds, rss KiB)."""
    if len(samples) < 3:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [r / 1024 for _, r in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0
