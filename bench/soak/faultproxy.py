#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, put between sinkhub and one fake.

    faultproxy.py --upstream PORT --style apify|slack|s3|google --log FILE
                  [--faults error=0.04,drop=0.02,lost=0.01,cut=0.01,slow=0.05]
                  [--slow-ms 300-4000] [--retry-after 1-3] [--seed N]

Each request gets at most one fault, drawn with the given probabilities:
  error  answer a transient error the destination really sends (style: 429 with Retry-After,
         500, 502/503 ...) without forwarding;
  drop   close the connection without forwarding or answering (the request never arrived);
  lost   forward, then close without answering (the destination acted; the answer is lost:
         a non-idempotent destination now holds what a retry will send again);
  cut    forward, then send the head and half the body (Content-Length says more) and close;
  slow   forward, then wait --slow-ms before answering.
Every fault is logged as one JSON line (time, kind, method, path, status, run ids found in the
path or body); totals go to FILE.stats (JSON) every few seconds and at exit. Prints
"listening on PORT" once it accepts connections; stops on SIGTERM/SIGINT.
"""
import argparse
import http.client
import os
import json
import random
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RUN_RE = re.compile(rb"SK[0-9]{7}[A-Za-z0-9]{8}")

# Transient answers each destination really gives: (status, content type, body, Retry-After?)
STYLES = {
    "apify": [
        (429, "application/json", b'{"error":{"type":"rate-limit-exceeded","message":"You have exceeded the rate limit."}}', True),
        (500, "application/json", b'{"error":{"type":"internal-server-error","message":"Internal error"}}', False),
        (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>", False),
        (503, "text/html", b"<html><body><h1>503 Service Unavailable</h1></body></html>", True),
    ],
    "slack": [
        (429, "text/plain", b"rate_limited", True),
        (500, "text/plain", b"rollup_error", False),
        (503, "text/plain", b"service_unavailable", False),
    ],
    "s3": [  # S3 throttles with 503 SlowDown, never 429
        (503, "application/xml", b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
         b"<Message>Please reduce your request rate.</Message></Error>", False),
        (500, "application/xml", b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
         b"<Message>We encountered an internal error. Please try again.</Message></Error>", False),
    ],
    "google": [
        (429, "application/json", b'{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}', True),
        (500, "application/json", b'{"error":{"code":500,"message":"Internal error","status":"INTERNAL"}}', False),
        (503, "application/json", b'{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}', False),
    ],
}
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "expect", "proxy-connection", "te", "upgrade"}
KINDS = ("error", "drop", "lost", "cut", "slow")


class Config:
    def __init__(self, args):
        self.upstream = args.upstream
        self.style = STYLES[args.style]
        self.faults = {k: 0.0 for k in KINDS}
        for part in filter(None, args.faults.split(",")):
            k, _, v = part.partition("=")
            if k not in self.faults:
                sys.exit(f"faultproxy: unknown fault kind {k!r} (known: {', '.join(KINDS)})")
            self.faults[k] = float(v)
        self.slow = tuple(int(x) for x in args.slow_ms.split("-"))
        self.retry_after = tuple(int(x) for x in args.retry_after.split("-"))
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.stats_path = args.log + ".stats"
        self.stats = {"requests": 0, "forwarded": 0, "upstream_errors": 0, **{k: 0 for k in KINDS}}

    def pick(self):
        with self.lock:
            self.stats["requests"] += 1
            x = self.rng.random()
            for k in KINDS:
                x -= self.faults[k]
                if x < 0:
                    self.stats[k] += 1
                    return k
        return None

    def note(self, kind, handler, body, status=0):
        runs = sorted({m.decode() for m in RUN_RE.findall(handler.path.encode() + b" " + body)})
        line = json.dumps({"t": time.time(), "kind": kind, "method": handler.command, "path": handler.path[:300],
                           "status": status, "runs": runs})
        with self.lock:
            self.log.write(line + "\n")

    def count(self, key):
        with self.lock:
            self.stats[key] += 1

    def write_stats(self):
        with self.lock:
            data = json.dumps(self.stats)
        with open(self.stats_path + ".tmp", "w") as f:
            f.write(data)
        os.replace(self.stats_path + ".tmp", self.stats_path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def abort(self):
        # An RST, as a crashed peer or a load balancer cutting the flow would send.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass

    def forward(self, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.cfg.upstream, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP:
                    conn.putheader(k, v)
            if body or self.command in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()

    def answer(self, status, reason, headers, data, cut=False):
        self.send_response(status, reason)
        for k, v in headers:
            if k.lower() not in HOP and k.lower() not in ("server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data[: len(data) // 2] if cut else data)
        if cut:
            self.wfile.flush()
            self.abort()

    def handle_any(self):
        cfg = self.server.cfg
        body = self.read_body()
        kind = cfg.pick()
        if kind == "drop":
            cfg.note(kind, self, body)
            return self.abort()
        if kind == "error":
            status, ctype, payload, with_retry = cfg.rng.choice(cfg.style)
            headers = [("Content-Type", ctype)]
            if with_retry:
                headers.append(("Retry-After", str(cfg.rng.randint(*cfg.retry_after))))
            cfg.note(kind, self, body, status)
            return self.answer(status, None, headers, payload)
        try:
            status, reason, headers, data = self.forward(body)
            cfg.count("forwarded")
        except Exception as e:  # the fake itself failed: a gateway error, as a proxy says
            cfg.count("upstream_errors")
            cfg.note("upstream-error", self, body)
            return self.answer(502, None, [("Content-Type", "text/plain")], f"upstream: {e}".encode())
        if kind:
            cfg.note(kind, self, body, status)
        if kind == "lost":
            return self.abort()
        if kind == "slow":
            time.sleep(cfg.rng.randint(*cfg.slow) / 1000.0)
        self.answer(status, reason, headers, data, cut=(kind == "cut" and self.command != "HEAD" and len(data) > 1))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", type=int, required=True)
    p.add_argument("--style", choices=sorted(STYLES), required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--faults", default="error=0.04,drop=0.02,lost=0.01,cut=0.01,slow=0.05")
    p.add_argument("--slow-ms", default="300-4000")
    p.add_argument("--retry-after", default="1-3")
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args()
    cfg = Config(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.cfg = cfg
    stop = threading.Event()

    def on_signal(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def stats_loop():
        while not stop.wait(3):
            cfg.write_stats()

    threading.Thread(target=stats_loop, daemon=True).start()
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
    cfg.write_stats()


if __name__ == "__main__":
    main()
