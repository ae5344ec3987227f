#!/usr/bin/env python3
"""Ingest throughput and its cost to the overview's readers. Prints a markdown table.

    python3 scripts/bench-ingest.py --bin target/server-release/signalboard --signals 1000000

Seeds a SQLite database in a temporary folder with `signalboard seed --signals N` (or uses
--database-url as it is: a seeded SQLite file or a PostgreSQL database; --seed seeds that URL
first), creates an ingest key and a viewer account, and starts `signalboard serve` on it. Then:

1. read-only: the overview (the path bench-live.py reads, or --path) under --readers concurrent
   readers for --seconds, with `wrk` when it is installed, else a pool of Python readers in a
   separate process;
2. during ingest: the same reads while --senders threads POST NDJSON batches of --batch
   CloudTrail events to /api/v1/logs?source=cloudtrail for --seconds.

The events are the Stratus Red Team detonation records in
../shared/data/stratus-red-team/detonation-logs/*.json (read at run time), each sent with a new
eventID and the current eventTime, so every event is new. Throughput is the sum of `accepted`
in the 202 answers over the wall time; batch latency is one POST, sent to answered.

Standard library only, plus `wrk` when available.
"""

import argparse
import glob
import gzip
import http.client
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

PASSWORD = "bench-ingest-password-1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRATUS = os.path.join(REPO, "..", "shared", "data", "stratus-red-team", "detonation-logs")
ID_MARK = "\u0001EVENT-ID\u0001"
TIME_MARK = "\u0001EVENT-TIME\u0001"


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


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


def wrk(port, cookie, path, connections, seconds, interval=0.0):
    """The same run as bench-live.py's: p50/p99 in ms, requests/s, time-outs and non-2xx. With
    `interval`, each connection waits a random 0.5 to 1.5 times `interval` seconds after each
    answer (wrk's `delay()`), so the connections read about once every `interval` seconds each,
    spread out rather than in step; wrk times each request from when it is sent."""
    command = ["wrk", "-t1" if interval else "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency",
               "-H", f"Cookie: {cookie}"]
    script = None
    if interval:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(f"function delay()\n  return math.floor({interval * 1000:.0f} * (0.5 + math.random()))\nend\n")
        script.close()
        command += ["-s", script.name]
    try:
        out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script.name)

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    timeouts = re.search(r"timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"p50": ms("50"), "p99": ms("99"), "timeouts": int(timeouts.group(1)) if timeouts else 0,
            "errors": int(non2xx.group(1)) if non2xx else 0, "rps": rps}


def _reader_process(port, cookie, path, connections, seconds, out, interval=0.0, nice=0):
    """Readers in their own process (off this one's GIL): `connections` threads, each with a
    keep-alive connection, reading `path` for `seconds`: back to back, or one read every
    `interval` seconds on a fixed schedule (a late read goes at once and is timed from when it
    was due, so a slow server cannot lower the load it is measured under)."""
    if nice:
        # The whole reader process (its threads inherit it): readers stand for the team's
        # browsers on their own machines, so their own wake-ups should not be what is timed.
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    latencies, errors = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def reader(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        due = time.perf_counter() + (interval * k / connections if interval else 0)
        while time.monotonic() < deadline:
            if interval:
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                t = due
                due += interval
            else:
                t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                mine.append((time.perf_counter() - t) * 1000)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.send({"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99), "timeouts": 0,
              "errors": errors[0], "rps": len(latencies) / seconds})
    out.close()


def python_readers(port, cookie, path, connections, seconds, interval=0.0, nice=0):
    # Spawned, not forked: the sender threads may be running.
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_reader_process, args=(port, cookie, path, connections, seconds, send, interval, nice))
    process.start()
    send.close()
    result = receive.recv()
    process.join()
    return result


def server_histogram(port, cookie, route):
    """The server's own request-duration histogram for GET `route` (from /metrics): cumulative
    counts per upper bound in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics", headers={"Cookie": cookie})
    response = conn.getresponse()
    text = response.read().decode()
    buckets = {}
    pattern = re.compile(r'^http_request_duration_seconds_bucket\{(.*)\} (\d+)$', re.M)
    for labels, count in pattern.findall(text):
        if f'route="{route}"' in labels and 'method="GET"' in labels:
            bound = re.search(r'le="([^"]+)"', labels).group(1)
            buckets[float("inf") if bound == "+Inf" else float(bound)] = int(count)
    return buckets


def histogram_summary(before, after):
    """What the server measured between two scrapes: requests, the share under 1, 2.5 and 5 ms,
    and the bucket its p99 falls in."""
    diff = {bound: after.get(bound, 0) - before.get(bound, 0) for bound in after}
    total = diff.get(float("inf"), 0)
    if not total:
        return {"requests": 0, "p99_bound_ms": float("nan"), "under": {}}
    under = {ms: diff.get(ms / 1000, 0) / total for ms in (1, 2.5, 5)}
    p99 = next((bound for bound in sorted(diff) if diff[bound] >= 0.99 * total), float("inf"))
    return {"requests": total, "p99_bound_ms": p99 * 1000, "under": under}


def load_templates(folder):
    """The Stratus Red Team records as JSON text with marks where the eventID and eventTime go."""
    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not files:
        sys.exit(f"no Stratus Red Team logs in {folder} (see --stratus)")
    templates = []
    for name in files:
        with open(name) as f:
            data = json.load(f)
        records = data.get("Records", []) if isinstance(data, dict) else data
        for record in records:
            if not isinstance(record, dict):
                continue
            record = dict(record, eventID=ID_MARK, eventTime=TIME_MARK)
            text = json.dumps(record, separators=(",", ":"))
            before_id, after_id = text.split(json.dumps(ID_MARK), 1)
            templates.append((before_id, after_id))
    if not templates:
        sys.exit(f"no CloudTrail records in {folder}")
    return templates


def make_batch(templates, start, size, tag):
    """`size` NDJSON lines: the templates in turn, each with a new eventID and the time now."""
    now = json.dumps(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    mark = json.dumps(TIME_MARK)
    lines = []
    n = len(templates)
    for i in range(start, start + size):
        before, after = templates[i % n]
        line = f'{before}"{tag}-{i}"{after}'
        lines.append(line.replace(mark, now))
    return ("\n".join(lines) + "\n").encode()


class Sender(threading.Thread):
    def __init__(self, number, port, key, templates, batch, use_gzip, stop, nice=0):
        super().__init__(daemon=True)
        self.nice = nice
        self.number, self.port, self.key, self.templates, self.batch, self.use_gzip, self.stop = number, port, key, templates, batch, use_gzip, stop
        self.accepted = 0
        self.duplicates = 0
        self.latencies = []
        self.refused = []

    def run(self):
        if self.nice:
            # This thread only (Linux threads have their own priority).
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        tag = f"bench-{uuid.uuid4().hex[:12]}-s{self.number}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/x-ndjson"}
        if self.use_gzip:
            headers["Content-Encoding"] = "gzip"
        sent = 0
        while not self.stop.is_set():
            body = make_batch(self.templates, sent, self.batch, tag)
            sent += self.batch
            if self.use_gzip:
                body = gzip.compress(body, compresslevel=6)
            t = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/logs?source=cloudtrail", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.refused.append(f"connection: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                time.sleep(0.1)
                continue
            elapsed = time.perf_counter() - t
            if response.status == 202:
                receipt = json.loads(data)
                self.accepted += receipt.get("accepted", 0)
                self.duplicates += receipt.get("duplicates", 0)
                self.latencies.append(elapsed * 1000)
            else:
                self.refused.append(f"{response.status}: {data[:200].decode(errors='replace')}")
        conn.close()


def sqlite_file(url):
    m = re.match(r"^sqlite:(?://)?(.*?)(\?.*)?$", url)
    return m.group(1) if m else None


def stored_signals(url):
    """Signals in the database, when it can be read with the standard library (or psql)."""
    try:
        if url.startswith("sqlite:"):
            import sqlite3
            conn = sqlite3.connect(sqlite_file(url), timeout=60)
            try:
                return conn.execute("SELECT COUNT(*) FROM signals").fetchone()[0]
            finally:
                conn.close()
        if shutil.which("psql"):
            out = subprocess.run(["psql", url, "-Atc", "SELECT count(*) FROM signals"], capture_output=True, text=True, timeout=120)
            if out.returncode == 0:
                return int(out.stdout.strip())
    except Exception:
        pass
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/server-release/signalboard")
    parser.add_argument("--signals", type=int, default=1_000_000, help="signals to seed")
    parser.add_argument("--database-url", help="use this database (sqlite://… or postgres://…) as it is")
    parser.add_argument("--seed", action="store_true", help="seed --database-url first (it must be empty)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each phase")
    parser.add_argument("--senders", type=int, default=4, help="concurrent sender threads")
    parser.add_argument("--batch", type=int, default=1000, help="events per POST")
    parser.add_argument("--gzip", action="store_true", help="send the batches gzipped")
    parser.add_argument("--sender-nice", type=int, default=0,
                        help="run the sender threads at this nice value: shippers stand for other machines, "
                             "so on a shared test machine they may take only the CPU the server leaves")
    parser.add_argument("--reader-nice", type=int, default=0,
                        help="run the Python readers (--read-interval) at this nice value; a negative one needs root. "
                             "Readers stand for browsers on other machines: their own wake-ups on the shared cores are then not timed")
    parser.add_argument("--paced-wrk", action="store_true",
                        help="with --read-interval, read with wrk pacing each connection (its delay()) instead of Python threads: "
                             "a client in C spends a fraction of the CPU, so less of what is timed is the client's own")
    parser.add_argument("--readers", type=int, default=50, help="concurrent overview readers")
    parser.add_argument("--read-interval", type=float, default=0.0,
                        help="each reader reads once every this many seconds on a fixed schedule (0: back to back, with wrk)")
    parser.add_argument("--path", default="/api/v1/overview?window=30d",
                        help="what the readers read (bench-live.py's overview; or e.g. /api/v1/modules/security-coverage?window=1d)")
    parser.add_argument("--port", type=int, default=3299)
    parser.add_argument("--metrics-out", help="write the server's /metrics as they are at the end of the ingest phase to this file")
    parser.add_argument("--stratus", default=STRATUS, help="folder of Stratus Red Team detonation logs")
    args = parser.parse_args()

    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no server binary at {binary}: build it or pass --bin")
    templates = load_templates(args.stratus)
    reader_tool = "wrk" if shutil.which("wrk") else "python"
    if args.read_interval > 0 and args.paced_wrk:
        reader_tool = f"wrk, each connection about every {args.read_interval:g} s"
    elif args.read_interval > 0:
        reader_tool = f"python, each every {args.read_interval:g} s" + (f", at nice {args.reader_nice}" if args.reader_nice else "")
    work = tempfile.mkdtemp(prefix="bench-ingest-")
    url = args.database_url
    seeded = None
    if not url or args.seed:
        if not url:
            url = f"sqlite://{work}/bench.db"
        print(f"seeding {args.signals:,} signals into {url} …", file=sys.stderr)
        started = time.perf_counter()
        subprocess.run([binary, "seed", "--database-url", url, "--signals", str(args.signals)], check=True, capture_output=True)
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        seeded = args.signals
    backend = "PostgreSQL" if url.startswith(("postgres:", "postgresql:")) else "SQLite"

    def cli(*command, stdin=None):
        done = subprocess.run([binary, *command, "--database-url", url], input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"signalboard {' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    created = cli("keys", "create", "--name", f"bench-ingest-{os.getpid()}", "--scope", "ingest")
    found = re.search(r"key \(shown once\):\s*(\S+)", created)
    if not found:
        sys.exit(f"no key in the output of keys create:\n{created}")
    key = found.group(1)
    reader = f"ingestreader{os.getpid()}"
    cli("users", "create", "--username", reader, "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")

    log_path = f"{work}/server.log"
    log = open(log_path, "w")
    server = subprocess.Popen([binary, "serve", "--no-demo", "--addr", f"127.0.0.1:{args.port}", "--database-url", url], stdout=log, stderr=log)
    rows = []
    try:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit(f"the server stopped; its log is in {log_path}")
            time.sleep(0.1)
        if backend == "SQLite" and not os.environ.get("SIGNALBOARD_NO_SNAPSHOT") and not os.environ.get("SIGNALBOARD_SNAPSHOT"):
            # A first start on a database writes the dataset snapshot in the background: let it
            # finish before measuring.
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                with open(log_path) as f:
                    text = f.read()
                if any(m in text for m in ("dataset read from its snapshot", "dataset snapshot written", "cannot write the dataset snapshot")):
                    break
                if server.poll() is not None:
                    sys.exit(f"the server stopped; its log is in {log_path}")
                time.sleep(0.2)
        signals = seeded if seeded is not None else stored_signals(url)
        cookie = sign_in(args.port, reader)
        warm = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        for _ in range(3):
            warm.request("GET", args.path, headers={"Cookie": cookie})
            response = warm.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"GET {args.path}: {response.status}")
        warm.close()

        def read(seconds):
            if args.read_interval > 0 and args.paced_wrk:
                return wrk(args.port, cookie, args.path, args.readers, seconds, args.read_interval)
            if args.read_interval > 0:
                return python_readers(args.port, cookie, args.path, args.readers, seconds, args.read_interval, args.reader_nice)
            if reader_tool == "wrk":
                return wrk(args.port, cookie, args.path, args.readers, seconds)
            return python_readers(args.port, cookie, args.path, args.readers, seconds)

        print(f"read-only: {args.readers} readers ({reader_tool}) for {args.seconds} s …", file=sys.stderr)
        route = urllib.parse.urlsplit(args.path).path
        scraped = server_histogram(args.port, cookie, route)
        quiet = read(args.seconds)
        quiet_server = histogram_summary(scraped, scraped := server_histogram(args.port, cookie, route))

        print(f"during ingest: {args.senders} senders × {args.batch}-event batches"
              f"{' (gzip)' if args.gzip else ''} and the same readers for {args.seconds} s …", file=sys.stderr)
        stop = threading.Event()
        senders = [Sender(n, args.port, key, templates, args.batch, args.gzip, stop, args.sender_nice) for n in range(args.senders)]
        started = time.perf_counter()
        for sender in senders:
            sender.start()
        busy = read(args.seconds)
        busy_server = histogram_summary(scraped, server_histogram(args.port, cookie, route))
        if args.metrics_out:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            conn.request("GET", "/metrics", headers={"Cookie": cookie})
            with open(args.metrics_out, "wb") as f:
                f.write(conn.getresponse().read())
        stop.set()
        for sender in senders:
            sender.join()
        wall = time.perf_counter() - started

        accepted = sum(s.accepted for s in senders)
        latencies = [l for s in senders for l in s.latencies]
        refused = [r for s in senders for r in s.refused]
        duplicates = sum(s.duplicates for s in senders)
        if not latencies:
            sys.exit("no batch was accepted: " + "; ".join(refused[:3]))
        rows.append((
            backend,
            f"{signals:,}" if signals is not None else "?",
            f"{accepted / wall:,.0f}",
            f"{percentile(latencies, 0.5):.1f}",
            f"{percentile(latencies, 0.99):.1f}",
            f"{quiet['p99']:.1f}",
            f"{busy['p99']:.1f}",
            f"{busy['p99'] / quiet['p99']:.2f}×" if quiet["p99"] else "?",
        ))
        notes = [
            f"{len(latencies)} batches of {args.batch} accepted ({accepted:,} events in {wall:.1f} s"
            f"{f', {duplicates} duplicates' if duplicates else ''}), {len(refused)} refused or failed"
            + (f" (first: {refused[0]})" if refused else ""),
            f"overview `{args.path}` with {args.readers} readers ({reader_tool}): read-only p50 {quiet['p50']:.1f} ms, "
            f"{quiet['rps']:.0f} req/s, {quiet['timeouts']} time-outs, {quiet['errors']} errors; during ingest p50 "
            f"{busy['p50']:.1f} ms, {busy['rps']:.0f} req/s, {busy['timeouts']} time-outs, {busy['errors']} errors",
        ]
        for label, server_side in (("read-only", quiet_server), ("during ingest", busy_server)):
            under = ", ".join(f"{share * 100:.1f} % under {ms:g} ms" for ms, share in server_side["under"].items())
            notes.append(f"server-side ({label}, its own histogram of {route}): {server_side['requests']} requests, {under}; "
                         f"p99 at most {server_side['p99_bound_ms']:g} ms")
    finally:
        server.terminate()
        server.wait()
        log.close()

    print(f"Ingest: {args.senders} senders, {args.batch}-event NDJSON batches{' (gzip)' if args.gzip else ''} "
          f"of Stratus Red Team CloudTrail records, {args.seconds} s per phase\n")
    print("| backend | stored signals | events/s | batch p50 ms | batch p99 ms | overview p99 read-only ms | overview p99 during ingest ms | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for note in notes:
        print(f"- {note}")
    if not args.database_url:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
