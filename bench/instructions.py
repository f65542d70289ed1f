#!/usr/bin/env python3
"""Instructions per request of one question on civicgraph over SQLite, counted by valgrind's callgrind.

Usage: python3 bench/instructions.py BINARY QUESTION [REQUESTS]     (e.g. target/release/civicgraph 5 100)

Needs what bench/run leaves in bench/.work (cg.db and the rendered questions). Starts BINARY under
callgrind on cg.db, sends 20 requests to warm it up, zeroes the counters, sends REQUESTS (default 100)
one after another (each answer checked for errors), dumps the counters and prints the instructions per
request. Counts, unlike timings, repeat from run to run whatever else the machine is doing, so two
builds can be compared on a busy machine.
"""
import glob
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

WORK = os.environ.get("WORK", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work"))


def control(command, pid):
    """Sends callgrind_control's COMMAND (-z zeroes the counters, -d dumps them) to process PID."""
    subprocess.run(["callgrind_control", command, str(pid)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def main():
    binary, question = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    body = open(os.path.join(WORK, "queries", f"q{question}.civicgraph.json"), "rb").read()
    out = tempfile.mkdtemp(prefix="callgrind-")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/out.%p", binary,
         "--db", f"sqlite://{WORK}/cg.db", "serve", "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def post():
        request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                         {"Content-Type": "application/json"})
        answer = urllib.request.urlopen(request, timeout=60).read()
        if b'"errors"' in answer:
            sys.exit(f"an answer has errors: {answer[:300]!r}")

    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        for _ in range(20):
            post()
        control("-z", server.pid)
        for _ in range(requests):
            post()
        control("-d", server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    dumps = sorted(glob.glob(f"{out}/out.*.1"))
    totals = [int(line.split()[1]) for line in open(dumps[0]) if line.startswith("totals:")]
    print(f"Q{question}: {totals[0] / requests:,.0f} instructions per request ({requests} requests; profile {dumps[0]})")


if __name__ == "__main__":
    main()
