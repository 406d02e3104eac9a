"""The sinks the soak delivers to: one class per shipped sink. Adding a sink is one class here
and one entry in SINKS (its fake and fault proxy, its config, its route, how to count what it
received)."""
import json
import os
import urllib.request
import re
import sys

SUCCEEDED, FAILED = "ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.FAILED"
PLAIN_ACTOR = "SoakActorPlain001"  # runs for the item sinks only
CHAT_ACTOR = "SoakActorSlack001"   # runs also announced to chat (Slack: 1 message/s per URL)
RUN_RE = re.compile(r"SK[0-9]{7}[A-Za-z0-9]{8}")


def read_items(path):
    """The "i" of every jsonl line of a delivered file, and the lines that are not items."""
    items, bad = [], 0
    with open(path, "rb") as f:
        for line in f:
            try:
                items.append(json.loads(line)["i"])
            except (ValueError, KeyError, TypeError):
                bad += 1
    return items, bad


def observe_files(root, suffix, name_re, what):
    """run id -> items of every file under `root` ending in `suffix` whose relative name (suffix
    cut) matches `name_re` (group 1: the run id); any other file is a problem."""
    seen, problems = {}, []
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith(suffix):
                continue
            rel = os.path.relpath(os.path.join(d, f), root)
            rel = rel[: len(rel) - len(suffix)]
            m = re.fullmatch(name_re, rel)
            if not m:
                problems.append(f"{what} {rel} is not a run's")
                continue
            items, bad = read_items(os.path.join(d, f))
            if bad:
                problems.append(f"{what} {rel}: {bad} lines that are not items")
            seen[m.group(1)] = items
    return seen, problems


class Sink:
    name = plugin = ""
    # "items": the sink holds every item (checked one by one); "messages": one message per
    # delivery (counted per run).
    kind = "items"
    # No duplicate at all, whatever crashes and lost answers (a redelivery overwrites).
    effect_once = True
    # The most items one batch carries: what a crash or a lost answer may repeat when not effect-once.
    batch_items = 1000
    route = {"actors": ["*"], "events": [SUCCEEDED]}

    @staticmethod
    def available(build):
        """Whether the build has this sink's plugin (and fake): the soak covers what it ships."""
        return True

    def wants(self, run):
        r = self.route
        return (r["actors"] == ["*"] or run.actor_id in r["actors"]) and run.event_type in r["events"]

    def start(self, h):
        """Starts the fake (and its fault proxy) through the harness `h`."""

    def options(self, h):
        """The sink instance's options (a dict, written into the YAML config)."""
        raise NotImplementedError

    def observe(self, h):
        """run id -> what the destination holds for it: a list of item indices ("items"), or a
        list of the item counts the messages announced ("messages", None when a message names
        none); plus a list of problems
        (files that are not a run's, lines that are not items)."""
        raise NotImplementedError


class FileSink(Sink):
    name = plugin = "file"

    def options(self, h):
        return {"dir": h.path("out/file"), "path": "{actorId}/{runId}.jsonl"}

    def observe(self, h):
        return observe_files(h.path("out/file"), "", r"[A-Za-z0-9]+/(SK[0-9]{7}[A-Za-z0-9]{8})\.jsonl", "file sink: file")


class S3Sink(Sink):
    name = plugin = "s3"
    ACCESS, SECRET = "S3RVER", "S3RVER"  # s3rver's fixed credentials (it verifies SigV4)

    def start(self, h):
        bin_ = os.path.join(h.root, "tests/s3/s3rver/node_modules/.bin/s3rver")
        port = h.free_port()
        h.spawn("s3rver", [bin_, "-d", h.path("s3rver"), "-a", "127.0.0.1", "-p", str(port),
                           "--configure-bucket", "soak-bucket", "-s"], ready=("http", port, "/soak-bucket"))
        self.proxy = h.proxy("s3", port, "s3")

    def options(self, h):
        return {"bucket": "soak-bucket", "region": "us-east-1", "endpoint": f"http://127.0.0.1:{self.proxy}",
                "path_style": True, "key": "runs/{actorId}/{runId}.jsonl", "part_size": "5MiB",
                "access_key_id": self.ACCESS, "secret_access_key": self.SECRET}

    def observe(self, h):
        # s3rver keeps each object as <bucket>/<key>._S3rver_object
        return observe_files(h.path("s3rver/soak-bucket"), "._S3rver_object",
                             r"runs/[A-Za-z0-9]+/(SK[0-9]{7}[A-Za-z0-9]{8})\.jsonl", "s3 sink: object")


class SlackSink(Sink):
    name = plugin = "slack"
    kind = "messages"
    effect_once = False  # Slack has no idempotency key: a lost answer or a crash after the post repeats it
    route = {"actors": [CHAT_ACTOR], "events": [SUCCEEDED, FAILED]}
    HOOK = "/services/T0SOAK000/B0SOAK000/soakSlackToken0123456789"

    def start(self, h):
        port = h.spawn("fake_slack", [sys.executable, os.path.join(h.here, "fake_slack.py"),
                                      "--record", h.path("slack.posts.jsonl")], ready="print")
        self.proxy = h.proxy("slack", port, "slack")

    def options(self, h):
        return {"webhook_url": f"http://127.0.0.1:{self.proxy}{self.HOOK}",
                "on_success": "soak run={runId} items={itemCount} status={status}",
                "on_failure": "soak failed run={runId} items={itemCount} status={status}"}

    def observe(self, h):
        seen, problems = {}, []
        path = h.path("slack.posts.jsonl")
        if not os.path.exists(path):
            return seen, problems
        for line in open(path):
            post = json.loads(line)
            text = json.loads(post["body"]).get("text", "") if post["body"].startswith("{") else ""
            # "≈N ... (count still settling)" while Apify's count may lag a just-finished run
            m = re.search(r"run=(SK[0-9]{7}[A-Za-z0-9]{8}) items=\u2248?([\d,]*)", text)
            if post["path"] != self.HOOK or not m:
                problems.append(f"slack: unexpected post to {post['path']}: {post['body'][:120]}")
                continue
            seen.setdefault(m.group(1), []).append(int(m.group(2).replace(",", "")) if m.group(2) else None)
        return seen, problems


class GsheetsSink(Sink):
    name = plugin = "gsheets"
    effect_once = True  # the plugin's marker protocol: each item one row, exactly once
    route = {"actors": [CHAT_ACTOR], "events": [SUCCEEDED]}  # (a FAILED run writes nothing)
    SPREADSHEET, TAB = "soak-spreadsheet", "Soak"

    @staticmethod
    def available(build):
        return all(os.path.exists(os.path.join(build, f)) for f in ("plugins/gsheets.so", "fake_google"))

    def start(self, h):
        self.creds = h.path("google/service-account.json")
        self.port = h.spawn("fake_google", [os.path.join(h.build, "fake_google"), "--spreadsheet",
                                            f"{self.SPREADSHEET}:Soak", "--service-account",
                                            f"{self.creds}:soak@soak-project.iam.gserviceaccount.com"], ready="print")
        self.proxy = h.proxy("gsheets", self.port, "google")  # the Sheets API; tokens straight from the fake

    def options(self, h):
        return {"credentials_file": self.creds, "spreadsheet_id": self.SPREADSHEET, "sheet": self.TAB,
                "mode": "append", "columns": ["i"], "provenance_column": True,
                "api_base_url": f"http://127.0.0.1:{self.proxy}"}

    def observe(self, h):
        """Rows of the tab by their provenance cell `runId:itemIndex` (the fake's control API)."""
        url = f"http://127.0.0.1:{self.port}/_fake/spreadsheets/{self.SPREADSHEET}/values?tab={self.TAB}"
        with urllib.request.urlopen(url, timeout=120) as r:
            rows = json.load(r)["rows"]
        seen, problems = {}, []
        if not rows:
            return seen, problems
        header = [c["value"] if c else None for c in rows[0]]
        if "_sinkhub" not in header:
            return seen, [f"gsheets: no _sinkhub column in the header {header}"]
        col = header.index("_sinkhub")
        for n, row in enumerate(rows[1:], start=2):
            cell = row[col] if col < len(row) else None
            m = re.fullmatch(r"(SK[0-9]{7}[A-Za-z0-9]{8}):(\d+)", str(cell["value"])) if cell else None
            if not m:
                problems.append(f"gsheets: row {n} is not an item's: {row[:3]}")
                continue
            seen.setdefault(m.group(1), []).append(int(m.group(2)))
        return seen, problems


# Every shipped sink (those whose plugin the build has: gsheets since it is on main).
SINKS = [FileSink(), SlackSink(), S3Sink(), GsheetsSink()]
