"""The webhook load of the soak: a mix of unique, duplicate and hostile requests at a steady
rate, every answer checked against what it must be; unacknowledged webhooks are sent again
(as Apify retries) until the daemon says 200."""
import json
import random
import threading
import time
from collections import Counter, defaultdict

from sinks import CHAT_ACTOR, FAILED, PLAIN_ACTOR, SUCCEEDED
from webhooks import SECRET_HEADER, Ids, Run, Unanswered, post, request

# Datasets the fake Apify serves: item count -> weight (mostly small runs, some multi-page).
DATASETS = {0: 3, 1: 6, 3: 6, 10: 8, 40: 8, 120: 8, 199: 4, 200: 4, 201: 4, 450: 5, 900: 3, 1600: 2, 3000: 1}
ITEM_BYTES = 150
MISSING_DATASET = "SoakMissingDs0001"  # not in the fake: Apify answers 404, a real refusal

# kind -> weight
MIX = {"unique": 30, "unique_compact": 8, "unique_split": 8, "failed": 3, "poison": 1, "duplicate": 18,
       "duplicate_split": 3, "bad_secret": 5, "no_secret": 2, "malformed_json": 4, "bad_utf8": 2,
       "wrong_type": 2, "oversized": 3, "no_host": 2}
HOSTILE_EXPECT = {"bad_secret": {401}, "no_secret": {401}, "malformed_json": {400}, "bad_utf8": {400},
                  "wrong_type": {415}, "oversized": {413}, "no_host": {400}, "slowloris_head": {408},
                  "slowloris_body": {408}}


def dataset_id(n):
    return f"SoakDataset{n:06d}"


class Traffic:
    def __init__(self, port, path, secret, max_body, read_timeout_ms, rate, rng_seed):
        self.port, self.path, self.secret = port, path, secret
        self.max_body, self.read_timeout = max_body, read_timeout_ms / 1000.0
        self.rate = rate
        self.rng = random.Random(rng_seed)
        self.ids = Ids(random.Random(rng_seed))
        self.runs = {}            # run id -> Run (every unique webhook)
        self.hostile_ids = []     # run ids only ever sent in refused requests
        self.retry = []           # (due, Run) not yet acknowledged
        self.lock = threading.Lock()
        self.answers = defaultdict(Counter)   # kind -> Counter(status or "unanswered")
        self.violations = []
        self.stop = threading.Event()

    # ---- bookkeeping ----------------------------------------------------------------------
    def _count(self, kind, what):
        with self.lock:
            self.answers[kind][what] += 1

    def _violation(self, msg):
        with self.lock:
            if len(self.violations) < 200:
                self.violations.append(msg)

    def _headers(self, secret=True, ctype="application/json"):
        h = {"Content-Type": ctype, "User-Agent": "ApifyWebhooks (soak)", "X-Apify-Webhook-Dispatch-Id": "soak"}
        if secret:
            h[SECRET_HEADER] = self.secret
        return h

    def _rng(self):
        return random.Random(self.rng.random())

    # ---- unique and duplicate webhooks ------------------------------------------------------
    def new_run(self, kind):
        chat = kind == "failed" or (kind != "poison" and self.rng.random() < 0.15)
        actor = CHAT_ACTOR if chat else PLAIN_ACTOR
        event = FAILED if kind == "failed" else SUCCEEDED
        if kind == "poison":
            ds, n = MISSING_DATASET, 0
        else:
            n = self.rng.choices(list(DATASETS), weights=list(DATASETS.values()))[0]
            ds = dataset_id(n)
        run = Run(self.ids.next("SK"), actor, event, ds, n, compact=(kind == "unique_compact"), poison=(kind == "poison"))
        with self.lock:
            self.runs[run.run_id] = run
        return run

    def send_run(self, run, kind, split=False):
        with run.lock:
            run.sends += 1
            first = run.sends == 1 and not run.acked
        try:
            status, body = request(self.port, post(self.port, self.path, run.body, self._headers()), split=split,
                                   rng=self._rng())
        except Unanswered:
            self._count(kind, "unanswered")
            if not run.acked:
                self._schedule_retry(run)
            return
        self._count(kind, status)
        if status == 200:
            try:
                ans = json.loads(body)
            except ValueError:
                return self._violation(f"{kind} {run.run_id}: 200 with a body that is not JSON: {body[:100]!r}")
            with run.lock:
                was_acked, run.acked = run.acked, True
                if ans.get("status") == "accepted":
                    if was_acked:
                        self._violation(f"{run.run_id}: accepted again after it was acknowledged (dedup lost)")
                    run.event_id = ans.get("event")
                elif ans.get("status") == "duplicate":
                    if first:
                        self._violation(f"{run.run_id}: first send answered duplicate")
                else:
                    self._violation(f"{kind} {run.run_id}: 200 {body[:100]!r}")
        elif status == 503:  # overloaded or the ledger cannot commit: Apify retries
            if not run.acked:
                self._schedule_retry(run)
        else:
            self._violation(f"{kind} {run.run_id}: valid webhook answered {status} {body[:160]!r}")
            if not run.acked:
                self._schedule_retry(run)

    def _schedule_retry(self, run):
        with self.lock:
            self.retry.append((time.time() + self.rng.uniform(0.5, 3), run))

    def _due_retry(self):
        with self.lock:
            now = time.time()
            for i, (due, run) in enumerate(self.retry):
                if due <= now:
                    return self.retry.pop(i)[1]
        return None

    def _acked_run(self):
        with self.lock:
            if not self.runs:
                return None
            # recent runs mostly (Apify retries soon), sometimes an old one
            keys = list(self.runs)[-500:] if self.rng.random() < 0.8 else list(self.runs)
            run = self.runs[self.rng.choice(keys)]
        return run if run.acked else None

    # ---- hostile requests -------------------------------------------------------------------
    def hostile(self, kind):
        rid = self.ids.next("HX")
        with self.lock:
            self.hostile_ids.append(rid)
        valid = json.dumps({"runId": rid, "datasetId": dataset_id(10), "status": "SUCCEEDED",
                            "actorId": PLAIN_ACTOR}).encode()
        if kind == "bad_secret":
            h = self._headers(secret=False)
            h[SECRET_HEADER] = "wrong-" + self.secret[6:]
            raw = post(self.port, self.path, valid, h)
        elif kind == "no_secret":
            raw = post(self.port, self.path, valid, self._headers(secret=False))
        elif kind == "malformed_json":
            cut = self.rng.randint(1, len(valid) - 2)
            raw = post(self.port, self.path, valid[:cut] + self.rng.choice([b"", b",", b"}}", b"\x00", b"]"]), self._headers())
        elif kind == "bad_utf8":
            raw = post(self.port, self.path, b'{"runId":"' + rid.encode() + b'\xc3","datasetId":"x","status":"SUCCEEDED"}',
                       self._headers())
        elif kind == "wrong_type":
            raw = post(self.port, self.path, valid, self._headers(ctype="text/plain"))
        elif kind == "oversized":
            raw = post(self.port, self.path, b'{"runId":"' + rid.encode() + b'","pad":"' + b"a" * 16384,
                       self._headers(), content_length=self.max_body + 1 + self.rng.randint(0, 1 << 20))
        elif kind == "no_host":
            raw = post(self.port, self.path, valid, self._headers(), host=False)
        else:
            raise ValueError(kind)
        try:
            status, body = request(self.port, raw, split=self.rng.random() < 0.2, rng=self._rng())
        except Unanswered:
            return self._count(kind, "unanswered")
        self._count(kind, status)
        if status not in HOSTILE_EXPECT[kind] and status != 503:
            self._violation(f"{kind} {rid}: answered {status} {body[:160]!r}, expected {sorted(HOSTILE_EXPECT[kind])}")

    def slowloris(self, kind):
        """A request that stops half way and waits: the daemon must answer 408 (or close) after
        server.read_timeout_ms, never hang or take it."""
        rid = self.ids.next("HX")
        with self.lock:
            self.hostile_ids.append(rid)
        body = json.dumps({"runId": rid, "datasetId": dataset_id(10), "status": "SUCCEEDED"}).encode()
        raw = post(self.port, self.path, body, self._headers())
        head_end = raw.index(b"\r\n\r\n")
        part = raw[: self.rng.randint(10, head_end)] if kind == "slowloris_head" else raw[: head_end + 4 + len(body) // 2]
        import socket
        t0 = time.time()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                for i in range(0, len(part), 7):  # a trickle, as a slow client would send
                    s.sendall(part[i:i + 7])
                    time.sleep(0.01)
                from webhooks import _read_answer
                status, _ = _read_answer(s, self.read_timeout + 10)
        except (OSError, Unanswered):
            waited = time.time() - t0
            # a close without an answer is acceptable only once the timeout has passed
            self._count(kind, "closed" if waited >= self.read_timeout * 0.9 else "unanswered")
            return
        self._count(kind, status)
        if status not in HOSTILE_EXPECT[kind] and status != 503:
            self._violation(f"{kind}: answered {status}, expected 408")

    # ---- the load ---------------------------------------------------------------------------
    def one(self):
        run = self._due_retry() if self.retry else None
        if run is not None:
            return self.send_run(run, "retry", split=self.rng.random() < 0.2)
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind in ("unique", "unique_compact", "unique_split", "failed", "poison"):
            return self.send_run(self.new_run(kind), kind, split=(kind == "unique_split"))
        if kind.startswith("duplicate"):
            run = self._acked_run()
            return self.send_run(run, kind, split=kind == "duplicate_split") if run else None
        return self.hostile(kind)

    def worker(self, per_thread_rate):
        while not self.stop.is_set():
            t0 = time.time()
            try:
                self.one()
            except Exception as e:  # a bug of the soak itself: say so, keep going
                self._violation(f"soak traffic error: {type(e).__name__}: {e}")
            self.stop.wait(max(0.0, self.rng.expovariate(per_thread_rate) - (time.time() - t0)))

    def slow_worker(self):
        while not self.stop.is_set():
            self.slowloris(self.rng.choice(["slowloris_head", "slowloris_body"]))
            self.stop.wait(self.rng.uniform(0.5, 3))

    def start(self, threads=4, slow_threads=2):
        self.threads = [threading.Thread(target=self.worker, args=(self.rate / threads,), daemon=True)
                        for _ in range(threads)]
        self.threads += [threading.Thread(target=self.slow_worker, daemon=True) for _ in range(slow_threads)]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def ack_remaining(self, deadline):
        """After the load: send every unacknowledged webhook again until it is acknowledged."""
        while time.time() < deadline:
            pending = [r for r in self.runs.values() if not r.acked]
            if not pending:
                return []
            for r in pending:
                self.send_run(r, "retry")
            time.sleep(1)
        return [r.run_id for r in self.runs.values() if not r.acked]
