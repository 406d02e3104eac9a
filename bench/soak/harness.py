"""Processes of the soak: the fakes, their fault proxies and the daemon, all on 127.0.0.1,
all stopped when the soak ends (also on failure or Ctrl-C)."""
import os
import signal
import sys
import socket
import subprocess
import time
import urllib.request


class Harness:
    def __init__(self, root, here, work, build, fault_spec, seed):
        self.root, self.here, self.work, self.build = root, here, work, build
        self.fault_spec, self.seed = fault_spec, seed
        self.procs = []  # (name, Popen)

    def path(self, rel):
        p = os.path.join(self.work, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def spawn(self, name, argv, ready):
        """Starts a helper; ready="print": it prints "listening on PORT" (returned);
        ready=("http", port, path): polled until it answers 200."""
        log = open(self.path(f"logs/{name}.log"), "ab")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE if ready == "print" else log, stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append((name, p))
        deadline = time.time() + 60
        if ready == "print":
            line = p.stdout.readline().decode()
            if not line.startswith("listening on "):
                raise RuntimeError(f"{name} did not start: {line!r} (see {log.name})")
            return int(line.split()[-1])
        _, port, path = ready
        while time.time() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up (see {log.name})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                    if r.status == 200:
                        return port
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer within 60 s (see {log.name})")

    def proxy(self, name, upstream, style):
        args = [sys.executable, os.path.join(self.here, "faultproxy.py"), "--upstream", str(upstream), "--style", style,
                "--log", self.path(f"faults/{name}.jsonl"), "--faults", self.fault_spec]
        if self.seed is not None:
            args += ["--seed", str(self.seed + len(self.procs))]
        return self.spawn(f"proxy-{name}", args, ready="print")

    def fault_stats(self, name):
        import json
        try:
            return json.load(open(self.path(f"faults/{name}.jsonl.stats")))
        except (OSError, ValueError):
            return {}

    def faults(self, name):
        import json
        p = self.path(f"faults/{name}.jsonl")
        return [json.loads(l) for l in open(p)] if os.path.exists(p) else []

    def stop_all(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 10
        for name, p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


class Daemon:
    """sinkhub serve, killed with SIGKILL and started again; its RSS read from /proc."""

    def __init__(self, h, binary, config, port):
        self.h, self.binary, self.config, self.port = h, binary, config, port
        self.proc, self.starts, self.log = None, 0, h.path("logs/sinkhub.log")

    def start(self, wait=60):
        self.starts += 1
        log = open(self.log, "ab")
        log.write(f"\n=== soak: start #{self.starts} at {time.time():.3f}\n".encode())
        log.flush()
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config, "--log-level", "info"],
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        t0 = time.time()
        while time.time() - t0 < wait:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sinkhub exited at start-up with {self.proc.returncode} (see {self.log})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.time() - t0
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"sinkhub did not answer /healthz within {wait} s (see {self.log})")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout):
        """SIGTERM; returns (exit status, seconds) or (None, timeout) if it had to be killed."""
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout), time.time() - t0
        except subprocess.TimeoutExpired:
            self.kill9()
            return None, timeout

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self):
        try:
            for line in open(f"/proc/{self.proc.pid}/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return None

    def cli(self, *args, timeout=120):
        r = subprocess.run([self.binary, *args, "--config", self.config], capture_output=True, timeout=timeout)
        return r.returncode, r.stdout.decode(), r.stderr.decode()
