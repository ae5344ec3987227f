#!/usr/bin/env python3
"""Kill -9 durability of the log intake: an acknowledged batch is never lost and no batch is ever
half applied. Prints a markdown table and exits non-zero on any failure.

    python3 scripts/ingest-durability.py --bin target/server-release/signalboard --trials 20

A fresh SQLite database in a temporary folder (`signalboard migrate`), an ingest key
(`signalboard keys create`), then for each trial: the server starts (`--no-demo --no-snapshot`),
sender threads POST batches of 100 new CloudTrail-shaped events to /api/v1/logs?source=cloudtrail
and note a batch's events only when it is answered 202, and the server is killed with SIGKILL
0.3-2.0 s after the sending began. The server is started again and the database file is read
directly (Python's sqlite3):

- every acknowledged event is there (its key in `ingested_events`), and the events counted in
  `log_volume` since the trial began are at least the acknowledged ones;
- every batch sent (answered or cut off by the kill) has all of its 100 events or none;
- the rows of `ingested_events` are a multiple of 100 and equal SUM(events) of `log_volume`;
- one acknowledged batch sent again is answered 202 with accepted 0, duplicates 100.

Standard library only.
"""

import argparse
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BATCH = 100
SOURCE = "cloudtrail"


def event_key(event_id):
    """The key the intake stores for an event with its own id (ingest/src/sources.rs: the first
    16 bytes of SHA-256 over "id\\0" and the id)."""
    return hashlib.sha256(b"id\0" + event_id.encode()).digest()[:16]


def cloudtrail_event(event_id, i, now):
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEDURABILITY",
            "arn": "arn:aws:iam::123456789012:user/durability",
            "accountId": "123456789012",
            "accessKeyId": "AKIAEXAMPLEDURABLE01",
            "userName": "durability",
        },
        "eventTime": now,
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": f"198.51.100.{i % 250 + 1}",
        "userAgent": "ingest-durability",
        "requestParameters": {"bucketName": "durability-bucket", "key": f"objects/{event_id}"},
        "responseElements": None,
        "requestID": f"req-{event_id}",
        "eventID": event_id,
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": "123456789012",
        "eventCategory": "Data",
    }


class Batch:
    def __init__(self, trial, sender, number):
        self.ids = [f"trial{trial}-sender{sender}-batch{number}-event{i}" for i in range(BATCH)]
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.body = "\n".join(json.dumps(cloudtrail_event(e, i, now), separators=(",", ":")) for i, e in enumerate(self.ids)).encode()
        self.keys = [event_key(e) for e in self.ids]


def post(port, key, body, use_gzip, timeout=60):
    """POSTs one body; answers (status, parsed JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
        if use_gzip:
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        conn.request("POST", f"/api/v1/logs?source={SOURCE}", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data.decode(errors="replace")
    finally:
        conn.close()


class Sender(threading.Thread):
    """POSTs batches one after another until the server goes away (or `stop` is set)."""

    def __init__(self, trial, number, port, key, use_gzip, stop):
        super().__init__(daemon=True)
        self.trial, self.number, self.port, self.key, self.use_gzip, self.stop = trial, number, port, key, use_gzip, stop
        self.attempted = []     # every batch sent, answered or not
        self.acknowledged = []  # answered 202 with every event accepted
        self.problems = []      # answers that should not happen (anything but 202 and a dead server)

    def run(self):
        conn = None
        n = 0
        while not self.stop.is_set():
            batch = Batch(self.trial, self.number, n)
            n += 1
            body = batch.body
            headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/x-ndjson"}
            if self.use_gzip:
                body = gzip.compress(body, compresslevel=1)
                headers["Content-Encoding"] = "gzip"
            self.attempted.append(batch)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", f"/api/v1/logs?source={SOURCE}", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                # The server was killed: this batch's fate is unknown (checked as all or nothing).
                return
            if response.status == 202:
                receipt = json.loads(data)
                if receipt.get("accepted") == BATCH and receipt.get("duplicates") == 0:
                    self.acknowledged.append(batch)
                else:
                    self.problems.append(f"202 with {receipt} for a batch of {BATCH} new events")
            else:
                self.problems.append(f"{response.status}: {data[:200].decode(errors='replace')}")
                time.sleep(0.05)


def sqlite_path(url):
    m = re.match(r"^sqlite:(?://)?(.*?)(\?.*)?$", url)
    return m.group(1)


class Db:
    """The database file, read directly while the server may be running (WAL readers)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.conn = sqlite3.connect(self.path, timeout=60)
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def counted(self):
        return self.conn.execute("SELECT COALESCE(SUM(events), 0) FROM log_volume WHERE log_source_id = ?", (SOURCE,)).fetchone()[0]

    def rows(self):
        return self.conn.execute("SELECT COUNT(*) FROM ingested_events WHERE log_source_id = ?", (SOURCE,)).fetchone()[0]

    def present(self, keys):
        marks = ",".join("?" * len(keys))
        return self.conn.execute(
            f"SELECT COUNT(*) FROM ingested_events WHERE log_source_id = ? AND event_key IN ({marks})", (SOURCE, *keys)
        ).fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/server-release/signalboard")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, help="random seed for the kill moments (default: random)")
    parser.add_argument("--senders", type=int, default=2, help="sender threads per trial")
    parser.add_argument("--port", type=int, default=3298)
    parser.add_argument("--gzip", action="store_true", help="send the batches gzipped")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database and server log)")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no server binary at {binary}: build it or pass --bin")
    work = tempfile.mkdtemp(prefix="ingest-durability-")
    db_path = os.path.join(work, "durability.db")
    url = f"sqlite://{db_path}"
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "a")

    def run(*command):
        done = subprocess.run([binary, *command, "--database-url", url], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"signalboard {command[0]} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    run("migrate")
    created = run("keys", "create", "--name", "durability", "--scope", "ingest")
    found = re.search(r"key \(shown once\):\s*(\S+)", created)
    if not found:
        sys.exit(f"no key in the output of keys create:\n{created}")
    key = found.group(1)

    def serve():
        log.write(f"\n==== starting the server at {time.strftime('%H:%M:%S')} ====\n")
        log.flush()
        server = subprocess.Popen(
            [binary, "serve", "--no-demo", "--no-snapshot", "--addr", f"127.0.0.1:{args.port}", "--database-url", url],
            stdout=log, stderr=log,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return server
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit(f"the server stopped (exit {server.returncode}); its log is in {log_path}")
            time.sleep(0.05)
        server.kill()
        sys.exit(f"the server did not answer /healthz within 120 s; its log is in {log_path}")

    rows_out = []
    failed = False
    total_acknowledged = 0
    server = serve()
    try:
        for trial in range(1, args.trials + 1):
            with Db(db_path) as db:
                counted_before = db.counted()
            stop = threading.Event()
            senders = [Sender(trial, s, args.port, key, args.gzip, stop) for s in range(args.senders)]
            kill_after = rng.uniform(0.3, 2.0)
            started = time.monotonic()
            for sender in senders:
                sender.start()
            time.sleep(max(0.0, kill_after - (time.monotonic() - started)))
            server.kill()  # SIGKILL
            server.wait()
            stop.set()
            for sender in senders:
                sender.join(timeout=120)
            server = serve()

            acknowledged = [b for s in senders for b in s.acknowledged]
            attempted = [b for s in senders for b in s.attempted]
            problems = [p for s in senders for p in s.problems]
            acked_events = len(acknowledged) * BATCH
            total_acknowledged += acked_events
            reasons = []
            with Db(db_path) as db:
                counted = db.counted()
                rows = db.rows()
                missing = sum(BATCH - db.present(b.keys) for b in acknowledged)
                half = sum(1 for b in attempted if db.present(b.keys) not in (0, BATCH))
            counted_trial = counted - counted_before
            if missing:
                reasons.append(f"{missing} acknowledged events missing from ingested_events")
            if counted_trial < acked_events:
                reasons.append(f"counted {counted_trial} < acknowledged {acked_events}")
            if counted_trial > len(attempted) * BATCH:
                reasons.append(f"counted {counted_trial} > sent {len(attempted) * BATCH}")
            if counted < total_acknowledged:
                reasons.append(f"total counted {counted} < total acknowledged {total_acknowledged}")
            if half:
                reasons.append(f"{half} half-applied batches")
            if rows % BATCH:
                reasons.append(f"ingested_events holds {rows} rows, not a multiple of {BATCH}")
            if rows != counted:
                reasons.append(f"ingested_events holds {rows} rows but log_volume counts {counted}")
            reasons += [f"unexpected answer {p}" for p in problems[:3]]

            # An idempotent retry: an acknowledged batch sent again changes nothing.
            if acknowledged:
                again = rng.choice(acknowledged)
                status, receipt = post(args.port, key, again.body, args.gzip)
                if status != 202 or not isinstance(receipt, dict) or receipt.get("accepted") != 0 or receipt.get("duplicates") != BATCH:
                    reasons.append(f"the retried batch got {status} {receipt}, not accepted 0, duplicates {BATCH}")
                with Db(db_path) as db:
                    if db.counted() != counted or db.rows() != rows:
                        reasons.append("the retried batch changed the counts")
            else:
                reasons.append("no batch was acknowledged before the kill (nothing to retry)")

            result = "ok" if not reasons else "FAIL: " + "; ".join(reasons)
            failed |= bool(reasons)
            rows_out.append((trial, f"{kill_after:.2f}", len(acknowledged), acked_events, counted_trial, half, result))
            print(f"trial {trial}: killed after {kill_after:.2f} s, {len(acknowledged)} batches acknowledged, "
                  f"{counted_trial} events counted, {len(attempted) - len(acknowledged)} cut off: {result}", file=sys.stderr)
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()

    print(f"Ingest durability: {args.trials} kill -9 trials, {args.senders} senders, batches of {BATCH} "
          f"({'gzip' if args.gzip else 'plain'} NDJSON), seed {seed}\n")
    print("| trial | killed after s | batches acknowledged | events acknowledged | events counted after restart | half-applied batches | result |")
    print("|---|---|---|---|---|---|---|")
    for row in rows_out:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print(f"\n{total_acknowledged} events acknowledged in all; "
          f"{'every one counted, no batch half applied' if not failed else 'FAILURES above'}.")
    if failed or args.keep:
        print(f"database and server log kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
