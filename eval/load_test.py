"""Load test: the app served in-process on 127.0.0.1, N simulated users asking
through the "/ask" endpoint with gradio_client, plus a phase where documents
are uploaded and indexed while the users keep asking.

    .venv/bin/python -m eval.load_test [--users 20] [--seconds 60] [--port N]
                                       [--index-dir DIR] [--json out.json]

Without --index-dir the real corpus is indexed first into a temporary folder.
Everything runs on copies in a temporary folder: the upload phase never
touches corpus/ or the index given with --index-dir.

Each user is a thread with its own gradio_client.Client. It asks the
questions of eval/questions.jsonl round-robin, starting at its own offset,
back to back (optionally with --think seconds between questions). Measured:
per-request latency (client side, submit to final result), throughput,
p50/p95/max and errors: exceptions, and replies without content (no
assistant message, an empty one, or the app's "Fel: ..." message).

Goal (issue): 0 errors and p95 < 2 s for extractive answers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "eval" / "questions.jsonl"
ALL = "Alla"


# ------------------------------------------------------------------ setup

def load_questions(path: Path = QUESTIONS) -> list[str]:
    qs = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not qs:
        raise SystemExit(f"no questions in {path}")
    return qs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(workdir: Path, corpus_dir: Path = REPO / "corpus", index_dir: Path | None = None, **overrides):
    """Settings over a writable copy of the corpus in `workdir`: the given
    index copied there, or a fresh index built over the copy."""
    from index.pipeline import ingest
    from index.settings import Settings

    corpus = workdir / "corpus"
    shutil.copytree(corpus_dir, corpus)
    idx = workdir / "index"
    if index_dir is not None:
        shutil.copytree(index_dir, idx, ignore=shutil.ignore_patterns(".lock"))
    settings = Settings(corpus_dir=corpus, index_dir=idx)
    if overrides:
        settings = settings.with_overrides(**overrides)
    if index_dir is None:
        t0 = time.perf_counter()
        rep = ingest(settings, progress=False)
        if not rep.ok:
            raise SystemExit(f"ingest failed: {rep.failed}")
        print(f"Index byggt / built: {rep.documents} dokument, {rep.chunks} avsnitt, "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return settings


def start_app(settings, port: int | None = None, concurrency: int | None = None):
    """The app launched as assistant.app.launch does (same queue and launch
    arguments), on 127.0.0.1 and without blocking. Returns (demo, url)."""
    from assistant.app import QUEUE_CONCURRENCY, build_app, launch_kwargs

    demo = build_app(settings)
    kw = launch_kwargs(settings)
    kw.update(server_name="127.0.0.1", server_port=port or free_port(), prevent_thread_lock=True, quiet=True)
    demo.queue(default_concurrency_limit=concurrency or QUEUE_CONCURRENCY).launch(**kw)
    return demo, f"http://127.0.0.1:{kw['server_port']}/"


# ------------------------------------------------------------------ users

@dataclass
class Request:
    user: int
    question: str
    start: float  # seconds since the phase began
    latency: float
    ok: bool
    error: str = ""
    sources: str = field(default="", repr=False)


def reply_problem(chat, sources) -> str:
    """'' when /ask returned an answer with content, else what is wrong."""
    if not chat:
        return "empty chat"
    last = chat[-1]
    role = last.get("role") if isinstance(last, dict) else None
    content = last.get("content") if isinstance(last, dict) else None
    if isinstance(content, list):  # gradio 6 may send [{"type": "text", "text": ...}]
        content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
    if role != "assistant":
        return f"last message is from {role!r}"
    if not str(content or "").strip():
        return "empty answer"
    if str(content).startswith("Fel:"):
        return str(content)[:200]
    return ""


def ask(client, question: str):
    _, chat, sources = client.predict(question, [], ALL, ALL, ALL, ALL, api_name="/ask")
    return chat, sources


def make_client(url: str, auth=None):
    from gradio_client import Client

    for attempt in range(5):
        try:
            return Client(url, auth=auth, verbose=False)
        except Exception:  # noqa: BLE001 - the server may still be starting
            if attempt == 4:
                raise
            time.sleep(1 + attempt)


def run_users(url: str, questions: list[str], users: int, seconds: float, *, think: float = 0.0,
              stop: threading.Event | None = None, auth=None) -> tuple[list[Request], float]:
    """`users` threads asking back to back until `seconds` have passed (or
    `stop` is set). Requests started before the end are completed and counted.
    Returns (requests, wall seconds from start to the last completion)."""
    clients = [None] * users
    errors: list[str] = []

    urls = [u.strip() for u in url.split(",") if u.strip()]  # several app processes: users spread over them

    def connect(i):
        try:
            clients[i] = make_client(urls[i % len(urls)], auth)
        except Exception as e:  # noqa: BLE001
            errors.append(f"user {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=connect, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("could not connect: " + "; ".join(errors[:3]))

    results: list[Request] = []
    lock = threading.Lock()
    barrier = threading.Barrier(users + 1)
    t0 = [0.0]
    stop = stop or threading.Event()

    def user(i: int):
        client = clients[i]
        n = i * max(1, len(questions) // users)  # different starting offsets
        barrier.wait()
        deadline = t0[0] + seconds
        while time.perf_counter() < deadline and not stop.is_set():
            q = questions[n % len(questions)]
            n += 1
            start = time.perf_counter()
            try:
                chat, sources = ask(client, q)
                problem = reply_problem(chat, sources)
            except Exception as e:  # noqa: BLE001 - every failure is a measured error
                sources, problem = "", f"{type(e).__name__}: {e}"[:300]
            end = time.perf_counter()
            with lock:
                results.append(Request(i, q, start - t0[0], end - start, not problem, problem, str(sources or "")))
            if think:
                time.sleep(think)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    t0[0] = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join(timeout=seconds + 300)
    wall = time.perf_counter() - t0[0]
    for c in clients:
        try:
            c.close()
        except Exception:  # noqa: BLE001
            pass
    return results, wall


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(name: str, results: list[Request], wall: float, users: int) -> dict:
    lat = [r.latency for r in results]
    errs = [r for r in results if not r.ok]
    return {"phase": name, "users": users, "seconds": round(wall, 2), "requests": len(results),
            "errors": len(errs), "throughput_rps": round(len(results) / wall, 2) if wall else 0.0,
            "p50_s": round(percentile(lat, 50), 3), "p95_s": round(percentile(lat, 95), 3),
            "max_s": round(max(lat), 3) if lat else float("nan"),
            "mean_s": round(sum(lat) / len(lat), 3) if lat else float("nan"),
            "error_samples": sorted({r.error for r in errs})[:5]}


def table(rows: list[dict]) -> str:
    cols = ["phase", "users", "seconds", "requests", "throughput_rps", "p50_s", "p95_s", "max_s", "errors"]
    head = ["fas", "användare", "sek", "anrop", "anrop/s", "p50 s", "p95 s", "max s", "fel"]
    data = [[str(r.get(c, "")) for c in cols] for r in rows]
    w = [max(len(h), *(len(d[i]) for d in data)) for i, h in enumerate(head)]
    line = lambda xs: "  ".join(x.rjust(w[i]) for i, x in enumerate(xs))
    return "\n".join([line(head), line(["-" * n for n in w])] + [line(d) for d in data])


# ------------------------------------------------------------------ uploads

def upload_docs(n: int = 5, tag: str = "") -> list[tuple[str, str, str]]:
    """n small Swedish .txt documents: (file name, text, a question only that
    document answers, built on a made-up place name unique to it)."""
    tag = tag or time.strftime("%H%M%S")
    places = ["Zorvikshamn", "Kvarnlyckeby", "Trollbäcksudde", "Mossgläntan", "Fjällsjövik",
              "Ekholmsnäset", "Lindvreten", "Björkängshöjden", "Sälgrundet", "Granbackstorp"]
    out = []
    for i in range(n):
        place = places[i % len(places)] + (str(i // len(places)) if i >= len(places) else "")
        text = (f"Lasttestets stadsdelsnämnd {i + 1}\n\nSammanfattning\n"
                f"Förvaltningen föreslår att belysningen i {place} byts ut under våren och att "
                f"gångvägen mellan skolan och torget i {place} rustas upp för att öka tryggheten.\n\n"
                f"Ärendet\nBoende i {place} har framfört att parken upplevs som otrygg kvällstid. "
                f"Nämnden avsätter medel för trygghetsvandringar i {place}.\n")
        out.append((f"lasttest_{tag}_{i + 1}.txt", text, f"Vad ska göras med belysningen i {place}?"))
    return out


def upload_one_by_one(settings, docs: list[tuple[str, str, str]], log: list[dict]) -> None:
    """assistant.documents.upload_and_index for each document in turn."""
    from assistant.documents import upload_and_index

    for name, text, _ in docs:
        t = time.perf_counter()
        try:
            saved, rep = upload_and_index(settings, [(name, text.encode("utf-8"))])
            log.append({"file": name, "seconds": round(time.perf_counter() - t, 2), "ok": rep.ok and len(saved) == 1,
                        "doc_id": saved[0].stem if saved else "", "chunks": rep.chunks,
                        "failed": [str(f) for f in rep.failed]})
        except Exception as e:  # noqa: BLE001 - reported as a failed upload
            log.append({"file": name, "seconds": round(time.perf_counter() - t, 2), "ok": False,
                        "doc_id": "", "error": f"{type(e).__name__}: {e}"})


def check_index(settings, docs, url: str | None = None, auth=None) -> dict:
    """After the uploads: the live generation loads and is consistent
    (manifest n_chunks == chunk rows == vector rows), every upload is in it,
    is found by the retriever and, when `url` is given, by the running app."""
    from index.retriever import Retriever
    from index.store import read_current

    gen = read_current(Path(settings.index_dir))
    problems = []
    n_chunks, n_vec = len(gen.chunks), int(gen.vectors.shape[0])
    if not (gen.manifest.get("n_chunks") == n_chunks == n_vec == len(gen.embed_keys)):
        problems.append(f"inconsistent generation: manifest {gen.manifest.get('n_chunks')}, chunks {n_chunks}, "
                        f"vectors {n_vec}, keys {len(gen.embed_keys)}")
    indexed = {c.doc_id for c in gen.chunks}
    retriever = Retriever(settings)
    client = make_client(url, auth) if url else None
    found, found_app = 0, 0
    for name, _, question in docs:
        doc_id = Path(name).stem
        if doc_id not in indexed or doc_id not in gen.manifest.get("documents", {}):
            problems.append(f"{doc_id} is not in the index")
            continue
        place = question.split()[-1].rstrip("?")
        hits = retriever.search(place, k=3) + retriever.search(question, k=3)
        if any(h.chunk.doc_id == doc_id for h in hits):
            found += 1
        else:
            problems.append(f"{doc_id} not found by the retriever for {question!r}")
        if client is not None:
            chat, sources = ask(client, question)
            if f"dok={doc_id}" in str(sources) and not reply_problem(chat, sources):
                found_app += 1
            else:
                problems.append(f"{doc_id} not among the app's sources for {question!r}")
    if client is not None:
        client.close()
    return {"generation": gen.path.name, "n_chunks": n_chunks, "vector_rows": n_vec,
            "documents": len(gen.manifest.get("documents", {})), "uploads_found": found,
            "uploads_found_via_app": found_app if url else None, "problems": problems}


def run_upload_phase(settings, url: str, questions: list[str], users: int, *, n_docs: int = 5,
                     min_seconds: float = 5.0, max_seconds: float = 600.0, think: float = 0.0, auth=None):
    """Users ask while one thread uploads n_docs documents, one at a time.
    The users stop `min_seconds` after the uploads are done at the earliest."""
    docs = upload_docs(n_docs)
    log: list[dict] = []
    stop = threading.Event()
    up_t = [0.0]

    def uploader():
        time.sleep(1.0)  # let the users get going first
        t = time.perf_counter()
        upload_one_by_one(settings, docs, log)
        up_t[0] = time.perf_counter() - t
        time.sleep(min_seconds)
        stop.set()

    th = threading.Thread(target=uploader, daemon=True)
    th.start()
    results, wall = run_users(url, questions, users, max_seconds, think=think, stop=stop, auth=auth)
    th.join()
    return docs, log, up_t[0], results, wall


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.load_test", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=20, help="simulated concurrent users (default 20)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the query phase (default 60)")
    ap.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--index-dir", type=Path, default=None,
                    help="a prebuilt index over corpus/ (copied; default: build one in a temp folder)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--think", type=float, default=0.0, help="seconds each user waits between questions (default 0)")
    ap.add_argument("--concurrency", type=int, default=None,
                    help="gradio default_concurrency_limit (default: the app's, assistant.app.QUEUE_CONCURRENCY)")
    ap.add_argument("--uploads", type=int, default=5, help="documents uploaded in the upload phase (0 = skip)")
    ap.add_argument("--url", default=None,
                    help="load-test an app that is already running (e.g. `yttra serve`, perhaps from another "
                         "machine, so the clients' CPU is not taken from the server); query phase only")
    ap.add_argument("--auth", default=None, metavar="USER:PASSWORD", help="login for --url")
    args = ap.parse_args(argv)

    from assistant.app import QUEUE_CONCURRENCY

    questions = load_questions()
    work = Path(tempfile.mkdtemp(prefix="yttra-load-"))
    demo = None
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    try:
        if args.url:
            url, args.uploads = args.url, 0
        else:
            settings = prepare(work, index_dir=args.index_dir)
            demo, url = start_app(settings, args.port, args.concurrency)
        where = "extern" if args.url else f"concurrency limit {args.concurrency or QUEUE_CONCURRENCY}"
        print(f"App: {url} ({where}, {os.cpu_count()} CPU), {len(questions)} frågor", file=sys.stderr)
        for u in url.split(","):
            ask(make_client(u.strip(), auth), questions[0])  # warm-up, not measured

        rows, out = [], {"url": url, "cpus": os.cpu_count(), "concurrency_limit": args.concurrency or QUEUE_CONCURRENCY,
                         "think_s": args.think}
        results, wall = run_users(url, questions, args.users, args.seconds, think=args.think, auth=auth)
        rows.append(summarize("fråga", results, wall, args.users))

        if args.uploads:
            docs, log, up_s, results2, wall2 = run_upload_phase(settings, url, questions, args.users,
                                                                n_docs=args.uploads, think=args.think)
            rows.append(summarize("fråga+uppladdning", results2, wall2, args.users))
            check = check_index(settings, docs, url)
            out["uploads"] = {"seconds": round(up_s, 2), "files": log, "check": check}

        out["phases"] = rows
        print(table(rows))
        ok = all(r["errors"] == 0 for r in rows)
        for r in rows:
            for e in r["error_samples"]:
                print(f"  fel ({r['phase']}): {e}")
        if args.uploads:
            u = out["uploads"]
            good = sum(1 for f in u["files"] if f["ok"])
            c = u["check"]
            print(f"Uppladdning: {good}/{len(u['files'])} filer på {u['seconds']} s "
                  f"({', '.join(str(f['seconds']) for f in u['files'])} s st.); index {c['generation']}: "
                  f"{c['n_chunks']} avsnitt = {c['vector_rows']} vektorrader, {c['documents']} dokument; "
                  f"sökbara: {c['uploads_found']}/{len(u['files'])} (retriever), "
                  f"{c['uploads_found_via_app']}/{len(u['files'])} (appen)")
            for p in c["problems"]:
                print(f"  problem: {p}")
            ok = ok and good == len(u["files"]) and not c["problems"]
        p95 = rows[0]["p95_s"]
        print(f"Mål: 0 fel och p95 < 2 s -> fel: {'0' if ok else 'JA'}, p95 {p95} s "
              f"{'<' if p95 < 2 else '>='} 2 s")
        if args.json:
            args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0 if ok else 1
    finally:
        if demo is not None:
            demo.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
