"""The webhook traffic of the soak: raw-socket HTTP (so requests can be split, cut short or left
hanging) and the runs it announces, with what each answer must be."""
import json
import random
import socket
import string
import threading
import time

SECRET_HEADER = "X-Webhook-Secret"
ALNUM = string.ascii_letters + string.digits


class Unanswered(Exception):
    """No HTTP answer: refused, reset or timed out (the daemon may be down or dying)."""


def _read_answer(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise Unanswered("closed before an answer" if not data else "closed inside the answer head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise Unanswered(f"not an HTTP answer: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    while len(body) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(parts[1]), body[:n].decode("utf-8", "replace")


def request(port, raw, split=False, timeout=20.0, rng=None):
    """Sends raw request bytes on a new connection and returns (status, body) or raises Unanswered."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if split:  # TCP cut anywhere, even inside CRLF or a UTF-8 sequence
                i = 0
                while i < len(raw):
                    n = rng.randint(1, 48)
                    s.sendall(raw[i:i + n])
                    i += n
                    if rng.random() < 0.3:
                        time.sleep(rng.random() * 0.004)
            else:
                try:
                    s.sendall(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # answered before we finished (413): read what it said
            return _read_answer(s, timeout)
    except (OSError, socket.timeout) as e:
        if isinstance(e, Unanswered):
            raise
        raise Unanswered(f"{type(e).__name__}: {e}") from None


def post(port, path, body, headers, host=True, content_length=None):
    h = f"POST {path} HTTP/1.1\r\n"
    if host:
        h += f"Host: 127.0.0.1:{port}\r\n"
    h += f"Content-Length: {len(body) if content_length is None else content_length}\r\nConnection: close\r\n"
    for k, v in headers.items():
        h += f"{k}: {v}\r\n"
    return h.encode() + b"\r\n" + body


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


class Run:
    """One Apify run the soak announces: its webhook body never changes (so a resend is a
    duplicate), and what its deliveries must produce."""

    def __init__(self, run_id, actor_id, event_type, dataset_id, items, compact, poison=False):
        self.run_id, self.actor_id, self.event_type = run_id, actor_id, event_type
        self.dataset_id, self.items, self.poison = dataset_id, items, poison
        self.status = "SUCCEEDED" if event_type == "ACTOR.RUN.SUCCEEDED" else "FAILED"
        finished = iso(time.time())
        if compact:  # the compact template from Apify's guides, with the optional fields
            env = {"runId": run_id, "datasetId": dataset_id, "status": self.status, "actorId": actor_id,
                   "eventType": event_type, "finishedAt": finished}
        else:  # Apify's default payload
            env = {"userId": "SoakUserId000001", "createdAt": finished, "eventType": event_type,
                   "eventData": {"actorId": actor_id, "actorRunId": run_id},
                   "resource": {"id": run_id, "actId": actor_id, "userId": "SoakUserId000001",
                                "startedAt": iso(time.time() - 60), "finishedAt": finished, "status": self.status,
                                "buildId": "HG7ML7M8z78YcAPEB", "exitCode": 0 if self.status == "SUCCEEDED" else 1,
                                "defaultKeyValueStoreId": "sfAjeR4QmeJCQzTfe", "defaultDatasetId": dataset_id,
                                "defaultRequestQueueId": "FL35cSF7jrxr3BY39",
                                "stats": {"resurrectCount": 0, "computeUnits": 0.0125}}}
        self.body = json.dumps(env).encode()
        self.acked = False      # a 200 was received (accepted or duplicate)
        self.event_id = None    # the id of the "accepted" answer, if we saw it
        self.sends = 0
        self.lock = threading.Lock()


class Ids:
    def __init__(self, rng):
        self.rng, self.n, self.lock = rng, 0, threading.Lock()

    def next(self, prefix):
        with self.lock:
            self.n += 1
            n = self.n
        return f"{prefix}{n:07d}" + "".join(self.rng.choice(ALNUM) for _ in range(8))
