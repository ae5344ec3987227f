#!/usr/bin/env python3
"""Measures the live engine over HTTP (issue 12's table): start-up, memory, triage latency, and the
overview API under concurrent readers with and without writes. Prints a markdown table.

    python3 scripts/bench-live.py --bin target/server-release/signalboard --signals 1000000

Needs `wrk` (Debian package). Seeds a fresh SQLite database in a temporary folder (or uses
--database-url as it is), starts `signalboard serve` on it and drives it with real requests.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PASSWORD = "bench-live-password-1"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Api:
    def __init__(self, port, cookie):
        self.port = port
        self.cookie = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None):
        headers = {"Cookie": self.cookie}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data[:1] in (b"{", b"[") else data)


def sign_in(port, username):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD})
    conn.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie")
    if not cookie:
        sys.exit(f"sign-in failed: {response.status}")
    return cookie.split(";")[0]


def open_signals(api, n):
    """Signals that can be triaged (the last 7 days), with their versions."""
    found, cursor = [], None
    while len(found) < n:
        path = "/api/v1/signals?window=7d&limit=500" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        status, body = api.request("GET", path)
        assert status == 200, body
        found += [[s["id"], s["version"], s["triage"]["state"]] for s in body["signals"]]
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return found[:n]


class Flipper:
    """Triage changes that can go on for ever: each signal flips between open and under review."""

    def __init__(self, api, signals):
        self.api = api
        self.signals = signals
        self.next = 0

    def write(self):
        s = self.signals[self.next % len(self.signals)]
        self.next += 1
        to = "under_review" if s[2] == "open" else "open"
        started = time.perf_counter()
        status, body = self.api.request("POST", f"/api/v1/signals/{s[0]}/triage", {"version": s[1], "change": "state", "to": to})
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"triage of {s[0]}: {status} {body}")
        s[1], s[2] = body["version"], body["state"]
        return elapsed


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def wrk(port, cookie, path, connections, seconds):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    timeouts = re.search(r"timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"p50": ms("50"), "p99": ms("99"), "timeouts": int(timeouts.group(1)) if timeouts else 0,
            "errors": int(non2xx.group(1)) if non2xx else 0, "rps": rps}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/server-release/signalboard")
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="use this database as it is (no seeding)")
    parser.add_argument("--port", type=int, default=3297)
    parser.add_argument("--seconds", type=int, default=20, help="length of each load run")
    parser.add_argument("--writes", type=int, default=10_000, help="writes before the second memory reading")
    parser.add_argument("--triages", type=int, default=1_000, help="triage changes timed one after another")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="bench-live-")
    rows = []
    url = args.database_url
    if not url:
        url = f"sqlite://{work}/live.db"
        started = time.perf_counter()
        subprocess.run([args.bin, "seed", "--database-url", url, "--signals", str(args.signals)], check=True, capture_output=True)
        rows.append(("seed (generate and store)", f"{time.perf_counter() - started:.1f} s"))
    username = f"bench{os.getpid()}"
    subprocess.run([args.bin, "users", "create", "--username", username, "--role", "analyst", "--password-stdin", "--database-url", url],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)

    reader = f"reader{os.getpid()}"
    subprocess.run([args.bin, "users", "create", "--username", reader, "--role", "viewer", "--password-stdin", "--database-url", url],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)

    log_path = f"{work}/server.log"
    log = open(log_path, "w")

    def serve():
        """Starts the server and waits until it answers; answers the process and how long it took."""
        started = time.perf_counter()
        server = subprocess.Popen([args.bin, "serve", "--no-demo", "--addr", f"127.0.0.1:{args.port}", "--database-url", url], stdout=log, stderr=log)
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return server, time.perf_counter() - started
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit(f"the server stopped; its log is in {log_path}")
            time.sleep(0.05)

    def overview_rss(server, port_cookie):
        api = Api(args.port, port_cookie)
        for _ in range(3):
            api.request("GET", "/api/v1/overview?window=30d")
        return rss_mb(server.pid)

    # A first start reads every row and writes the snapshot; a restart reads the snapshot.
    server, took = serve()
    try:
        rows.append(("start-up, first (every row from the database)", f"{took:.1f} s"))
        first_rss = overview_rss(server, sign_in(args.port, username))
        while "dataset snapshot written" not in open(log_path).read():
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait()
    server, took = serve()
    try:
        rows.append(("start-up, again (from the snapshot, then the history after it)", f"{took:.1f} s"))
        cookie = sign_in(args.port, username)
        api = Api(args.port, cookie)
        overview = "/api/v1/overview?window=30d"
        for _ in range(3):
            api.request("GET", overview)
        start_rss = rss_mb(server.pid)
        for what, rss in (("first start", first_rss), ("from the snapshot", start_rss)):
            rows.append((f"server memory after start-up, {what} (RSS, overview computed)", f"{rss:.0f} MB ({rss * 1048576 / args.signals:.0f} B per signal)"))
        reader_cookie = sign_in(args.port, reader)

        # The overview, cold and warm, as one request.
        api.request("GET", overview)
        t = time.perf_counter(); api.request("GET", overview); warm = time.perf_counter() - t
        flipper = Flipper(Api(args.port, cookie), open_signals(api, 2_000))
        flipper.write()
        t = time.perf_counter(); api.request("GET", overview); cold = time.perf_counter() - t
        rows.append(("overview API, one request after a write (all nine modules computed)", f"{cold * 1000:.1f} ms"))
        rows.append(("overview API, repeated", f"{warm * 1000:.2f} ms"))

        latencies = [flipper.write() for _ in range(args.triages)]
        rows.append((f"one triage change (POST …/triage), {args.triages} in a row",
                     f"p50 {percentile(latencies, 0.5) * 1000:.2f} ms, p99 {percentile(latencies, 0.99) * 1000:.2f} ms, max {max(latencies) * 1000:.1f} ms"))

        def load(connections, writes_per_second):
            stop = threading.Event()
            written = []
            def writer():
                writes = Flipper(Api(args.port, cookie), flipper.signals)
                writes.next = flipper.next
                while not stop.is_set():
                    t = time.perf_counter()
                    written.append(writes.write())
                    stop.wait(max(0.0, 1.0 / writes_per_second - (time.perf_counter() - t)))
                flipper.next = writes.next
            thread = threading.Thread(target=writer) if writes_per_second else None
            if thread:
                thread.start()
            # The readers are another user: the writer's own reads always see its writes at once.
            result = wrk(args.port, reader_cookie, overview, connections, args.seconds)
            stop.set()
            if thread:
                thread.join()
            text = f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, {result['rps']:.0f} req/s, {result['timeouts']} time-outs, {result['errors']} errors"
            if written:
                text += f"; {len(written) / args.seconds:.1f} writes/s, write p99 {percentile(written, 0.99) * 1000:.1f} ms"
            return text

        rows.append((f"overview API, 50 readers, read-only ({args.seconds} s)", load(50, 0)))
        rows.append((f"overview API, 50 readers, 10 triage writes/s ({args.seconds} s)", load(50, 10)))
        rows.append((f"overview API, 200 readers, read-only ({args.seconds} s)", load(200, 0)))

        before = rss_mb(server.pid)
        for _ in range(args.writes):
            flipper.write()
        api.request("GET", overview)
        after = rss_mb(server.pid)
        rows.append((f"server memory before / after {args.writes} more writes", f"{before:.0f} MB / {after:.0f} MB ({(after / before - 1) * 100:+.1f} %)"))
    finally:
        server.terminate()
        server.wait()
        log.close()
        print(f"Live engine, {args.signals:,} signals (SQLite, release build)\n")
        print("| what | measured |")
        print("|---|---|")
        for what, value in rows:
            print(f"| {what} | {value} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
