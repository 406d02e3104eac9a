#!/usr/bin/env python3
"""A Slack incoming-webhook endpoint on 127.0.0.1 that records every message.

    fake_slack.py --record FILE

Answers every POST `200 ok` (as Slack does) and appends {"t", "path", "body"} as one JSON line
to FILE before answering, so a message counts as delivered once Slack would have shown it.
The faults come from faultproxy.py in front of it. Prints "listening on PORT"; stops on SIGTERM.
"""
import argparse
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        line = json.dumps({"t": time.time(), "path": self.path, "body": body.decode("utf-8", "replace")})
        with self.server.lock:
            self.server.record.write(line + "\n")
            self.server.record.flush()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--record", required=True)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.record = open(args.record, "a")
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
